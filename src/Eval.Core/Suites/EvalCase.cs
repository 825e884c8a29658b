using Eval.Core.Positional;

namespace Eval.Core.Suites;

/// <summary>
/// One cell of a suite's matrix (BenchmarkDotNet's BenchmarkCase): model x strategy x length x task x seed, with a
/// readable name and a content hash that says whether stored results of it can be reused.
/// </summary>
public sealed record EvalCase(SuiteModel Model, StrategySpec Strategy, int ContextLength, string Task, string TaskParameters, int Seed, string Hash)
{
    public string DisplayName => $"{Model.DisplayName} | {Strategy} | {ContextLength} | {Task}";
}
