namespace Eval.Core.Tasks;

/// <summary>One planned forward pass over tokens [Start, End) of a token stream; stream indices >= Start + FirstTarget are scored.</summary>
public sealed record ScoringWindowPlan(int Start, int End, int FirstTarget)
{
    public int Length => End - Start;
    public int Targets => End - Start - FirstTarget;
}
