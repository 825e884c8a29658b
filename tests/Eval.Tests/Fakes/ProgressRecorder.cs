namespace Eval.Tests.Fakes;

/// <summary>Every progress value a task reports, in order, recorded on the reporting thread (unlike Progress&lt;T&gt;).</summary>
public sealed class ProgressRecorder : IProgress<double>
{
    public List<double> Values { get; } = [];
    public void Report(double value) => Values.Add(value);
}
