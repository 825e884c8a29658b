using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Eval.Torch.Checkpoints;

/// <summary>Writes tensors as one safetensors file: keys sorted, header padded with spaces to 8 bytes as the reference does.</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (string name in names)
        {
            var t = tensors[name];
            long size = t.numel() * t.ElementSize;
            header[name] = new { dtype = SafetensorsDType.NameOf(t.dtype), shape = t.shape, data_offsets = new[] { offset, offset + size } };
            offset += size;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;

        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            stream.Write(BitConverter.GetBytes((long)padded));
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (string name in names)
            {
                using var contiguous = tensors[name].detach().cpu().contiguous();
                stream.Write(contiguous.bytes);
            }
        }
        File.Move(temp, path, overwrite: true); // readers never see a half-written file
    }
}
