import {
  Bot, Brain, Calendar, CircleHelp, Clock, Code2, Database, GitBranch, Globe, HandHeart, Hand, Mail, MessageCircle, MessageSquareText,
  Phone, PhoneIncoming, Repeat, ShieldAlert, Smile, Sparkles, Split, Target, UserCheck, Variable, Webhook, Workflow, Zap, type LucideIcon,
} from 'lucide-react';

/** One icon per node type, so a card reads at a glance; unknown types get a question mark. */
const icons: Record<string, LucideIcon> = {
  trigger_whatsapp: MessageCircle,
  trigger_email: Mail,
  trigger_voice: PhoneIncoming,
  trigger_webhook: Webhook,
  trigger_schedule: Calendar,
  trigger_manual: Hand,
  agent_conversational: Bot,
  agent_decision: Target,
  agent_reasoning: Brain,
  action_whatsapp: MessageSquareText,
  action_email: Mail,
  action_call: Phone,
  action_crm: Database,
  action_http: Globe,
  utility_text_gen: Sparkles,
  utility_sentiment: Smile,
  utility_intent: Zap,
  utility_vulnerability: ShieldAlert,
  utility_reason: HandHeart,
  utility_custom: Code2,
  logic_condition: GitBranch,
  logic_delay: Clock,
  logic_loop: Repeat,
  logic_ab_split: Split,
  logic_set_variable: Variable,
  logic_subworkflow: Workflow,
  logic_approval: UserCheck,
};

export function NodeIcon({ type, size = 16 }: { type: string; size?: number }) {
  const Icon = icons[type] ?? CircleHelp;
  return <Icon size={size} aria-hidden />;
}
