using Eval.Core.Positional;

namespace Eval.Core.Suites;

/// <summary>A validated suite: the matrix models x strategies x lengths x tasks, and how to run it.</summary>
/// <param name="TrainingProblems">Tuned models whose training would not fit in this machine's memory
/// (<see cref="Tuning.TrainingMemory"/>), by reference, each at its tune: entry. `eval validate` reports them as errors;
/// `eval run` fails only their cases, with the estimate, and runs the rest.</param>
public sealed record Suite(
    string Name,
    string Path,
    string Text,
    int Seed,
    string Device,
    string DType,
    double? CaseSeconds,
    IReadOnlyList<SuiteModel> Models,
    IReadOnlyList<StrategySpec> Strategies,
    LengthSpec Lengths,
    IReadOnlyList<SuiteTask> Tasks,
    IReadOnlyDictionary<string, SuiteError>? TrainingProblems = null);

/// <summary>
/// A model of the suite: its reference (zoo:NAME or a directory), resolved directory, dtype, optional override of
/// the trained length, the position encoding its config names, and the strategies to run on it (the suite's,
/// unless the entry lists its own).
/// </summary>
/// <remarks>
/// A derived model (<see cref="Tune"/> set) is trained from the checkpoint in <see cref="Directory"/> by its recipe before
/// its cases run; its reference is <c>tune:NAME</c> and its config values are those its tuned config.json will have.
/// </remarks>
public sealed record SuiteModel(string Reference, string Directory, string DType, int? TrainedLength, int ConfigTrainedLength,
    string PositionEncoding, IReadOnlyList<IPositionalStrategy> Strategies, Tuning.TuneRecipe? Tune = null)
{
    public const string TunePrefix = "tune:";

    public int EffectiveTrainedLength => TrainedLength ?? ConfigTrainedLength;
    public string DisplayName =>
        Reference.StartsWith("zoo:", StringComparison.Ordinal) ? Reference[4..]
        : Reference.StartsWith(TunePrefix, StringComparison.Ordinal) ? Reference[TunePrefix.Length..]
        : System.IO.Path.GetFileName(Directory.TrimEnd('/', '\\'));
}

/// <summary>A task of the suite with its parameters as given (validated by the task registry).</summary>
public sealed record SuiteTask(string Name, IReadOnlyDictionary<string, string> Parameters);

/// <summary>Context lengths: absolute token counts, or multiples of each model's trained length.</summary>
public sealed record LengthSpec(IReadOnlyList<int>? Absolute, IReadOnlyList<double>? Multiples)
{
    public IReadOnlyList<int> For(SuiteModel model) =>
        Absolute ?? Multiples!.Select(m => (int)Math.Round(m * model.EffectiveTrainedLength)).ToList();
}
