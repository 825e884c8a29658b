using static TorchSharp.torch;

namespace Eval.Torch.Checkpoints;

/// <summary>One tensor's header entry: stored dtype, shape and byte range within the data buffer.</summary>
public sealed record SafetensorsEntry(string Name, string DType, ScalarType Type, long[] Shape, long Begin, long End);
