namespace Eval.Core.Models;

/// <summary>A config.json the harness cannot use: the message names the file, the field and the reason.</summary>
public sealed class ModelConfigException(string message) : Exception(message);
