using static TorchSharp.torch;

namespace Eval.Torch.Checkpoints;

/// <summary>The safetensors dtypes the harness reads and writes, and their TorchSharp equivalents.</summary>
public static class SafetensorsDType
{
    private static readonly Dictionary<string, (ScalarType Type, int Bytes)> Known = new()
    {
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
    };

    public static IReadOnlyCollection<string> Supported => Known.Keys;

    public static bool TryGet(string name, out ScalarType type, out int bytes)
    {
        bool found = Known.TryGetValue(name, out var entry);
        (type, bytes) = entry;
        return found;
    }

    public static string NameOf(ScalarType type) =>
        Known.FirstOrDefault(k => k.Value.Type == type).Key
        ?? throw new ArgumentException($"dtype {type} cannot be written to safetensors here. Supported: {string.Join(", ", Known.Keys)}.");
}
