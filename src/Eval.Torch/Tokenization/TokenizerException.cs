namespace Eval.Torch.Tokenization;

/// <summary>A tokenizer file the harness cannot use: the message names the file and the reason.</summary>
public sealed class TokenizerException(string message) : Exception(message);
