namespace Eval.Torch.Checkpoints;

/// <summary>A checkpoint file that cannot be used: the message names the file and the reason.</summary>
public sealed class CheckpointException(string message) : Exception(message);
