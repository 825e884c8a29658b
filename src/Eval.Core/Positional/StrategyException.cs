namespace Eval.Core.Positional;

/// <summary>An invalid strategy name, parameter or value. The message names it and lists the valid options.</summary>
public sealed class StrategyException(string message) : Exception(message);
