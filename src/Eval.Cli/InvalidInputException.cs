namespace Eval.Cli;

/// <summary>Bad user input: the message names the value, where it came from and the valid options. Exit code 2.</summary>
public sealed class InvalidInputException(string message) : Exception(message);
