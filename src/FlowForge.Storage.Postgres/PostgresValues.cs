namespace FlowForge.Storage.Postgres;

/// <summary>
/// How values go to and come from PostgreSQL columns. timestamptz keeps microseconds, .NET ticks are
/// a tenth of that: times a store takes from its own clock are rounded up to the microsecond, so the
/// value it returns is the value stored and never earlier than the instant it was taken.
/// </summary>
internal static class PostgresValues
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>A parameter for a timestamptz column (Npgsql only writes UTC).</summary>
    public static DateTimeOffset Timestamp(DateTimeOffset value) => value.ToUniversalTime();

    public static DateTimeOffset? Timestamp(DateTimeOffset? value) => value?.ToUniversalTime();

    /// <summary>The current time of <paramref name="clock"/>, rounded up to a whole microsecond, in UTC.</summary>
    public static DateTimeOffset Now(TimeProvider clock) => CeilingToMicrosecond(clock.GetUtcNow());

    public static DateTimeOffset CeilingToMicrosecond(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        var remainder = utc.Ticks % TicksPerMicrosecond;
        return remainder == 0 ? utc : utc.AddTicks(TicksPerMicrosecond - remainder);
    }

    /// <summary>A timestamptz read back (Npgsql returns a UTC <see cref="DateTime"/>).</summary>
    public static DateTimeOffset FromDb(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static DateTimeOffset? FromDb(DateTime? value) => value is { } v ? FromDb(v) : null;
}
