using FlowForge.Core.Model;

namespace FlowForge.Core.Tests;

public class TemplateSyntaxTests
{
    [Fact]
    public void Paths_FindsEveryPlaceholderInOrder() =>
        Assert.Equal(["trigger.message_text", "steps.a.items[0].name", "x"],
            TemplateSyntax.Paths("Hi {{ trigger.message_text }} {{steps.a.items[0].name}}{{x}} {{ not valid! }}"));
}
