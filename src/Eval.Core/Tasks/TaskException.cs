namespace Eval.Core.Tasks;

/// <summary>A bad task name or parameter, or a task that cannot run (e.g. no document long enough).</summary>
public sealed class TaskException : Exception
{
    public TaskException(string message) : this([message]) { }

    /// <summary>Several problems at once (every bad parameter of a task), each a sentence; the message joins them.</summary>
    public TaskException(IReadOnlyList<string> problems) : base(string.Join(" ", problems)) => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}
