using Eval.Core.Positional;

namespace Eval.Core.Suites;

/// <summary>
/// One cell of a suite's matrix (BenchmarkDotNet's BenchmarkCase): model x strategy x length x task x seed, with a
/// readable name and a content hash that says whether stored results of it can be reused.
/// </summary>
/// <param name="Definition">The suite's task entry this case runs (name and parameters as written).</param>
/// <param name="TaskParameters">The task's canonical parameters, part of the hash.</param>
/// <param name="Strategy">The one strategy object of this model x strategy, created when the suite was loaded.</param>
public sealed record EvalCase(SuiteModel Model, IPositionalStrategy Strategy, int ContextLength, SuiteTask Definition, string TaskParameters, int Seed, string Hash)
{
    public string Task => Definition.Name;

    public string DisplayName => $"{Model.DisplayName} | {Strategy.Spec} | {ContextLength} | {Task}";
}
