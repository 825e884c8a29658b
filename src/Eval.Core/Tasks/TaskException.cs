namespace Eval.Core.Tasks;

/// <summary>A bad task name or parameter, or a task that cannot run (e.g. no document long enough).</summary>
public sealed class TaskException(string message) : Exception(message);
