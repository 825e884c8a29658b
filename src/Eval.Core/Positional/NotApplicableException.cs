namespace Eval.Core.Positional;

/// <summary>
/// A case that cannot be computed by its very definition (a learned position table has no row for the asked position):
/// stored as not applicable with this reason, never as a failure and never by clamping the position.
/// </summary>
public sealed class NotApplicableException(string message) : Exception(message);
