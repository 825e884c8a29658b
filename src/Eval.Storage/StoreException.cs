namespace Eval.Storage;

/// <summary>A result store that cannot be used: the message names the file and the reason.</summary>
public sealed class StoreException(string message) : Exception(message);
