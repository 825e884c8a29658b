using System.Text;
using static TorchSharp.torch;

namespace Eval.Torch.Bench.LlamaCpp;

/// <summary>
/// A GGUF v3 file as ggml/include/gguf.h lays it out: magic "GGUF", version, tensor and key-value counts, the
/// key-values, the tensor infos (name, dims innermost first, ggml type, offset), padding to 32 bytes, then each
/// tensor's data at a 32-byte-aligned offset. Only what a Llama export needs: u32, i32, f32, bool, string and arrays.
/// </summary>
public sealed class GgufWriter
{
    private const int Alignment = 32;   // GGUF_DEFAULT_ALIGNMENT

    /// <summary>ggml's type ids (ggml.h: GGML_TYPE_F32 = 0, F16 = 1, BF16 = 30) by the libtorch dtype that holds them.</summary>
    public static uint GgmlType(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 0,
        ScalarType.Float16 => 1,
        ScalarType.BFloat16 => 30,
        _ => throw new ArgumentException($"GGUF export writes f32, f16 or bf16 tensors, not {dtype}."),
    };

    private enum ValueType : uint { UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9 }

    private readonly List<(string Key, Action<BinaryWriter> Write)> values = [];
    private readonly List<(string Name, Tensor Data)> tensors = [];

    public void Add(string key, uint value) => values.Add((key, w => { w.Write((uint)ValueType.UInt32); w.Write(value); }));
    public void Add(string key, float value) => values.Add((key, w => { w.Write((uint)ValueType.Float32); w.Write(value); }));
    public void Add(string key, bool value) => values.Add((key, w => { w.Write((uint)ValueType.Bool); w.Write(value); }));
    public void Add(string key, string value) => values.Add((key, w => { w.Write((uint)ValueType.String); WriteString(w, value); }));

    public void Add(string key, IReadOnlyList<string> items) => AddArray(key, ValueType.String, items.Count, w => { foreach (var s in items) WriteString(w, s); });
    public void Add(string key, IReadOnlyList<float> items) => AddArray(key, ValueType.Float32, items.Count, w => { foreach (var f in items) w.Write(f); });
    public void Add(string key, IReadOnlyList<int> items) => AddArray(key, ValueType.Int32, items.Count, w => { foreach (var i in items) w.Write(i); });

    /// <summary>Adds a tensor as it is (its dtype becomes the ggml type); written when <see cref="Write"/> runs.</summary>
    public void AddTensor(string name, Tensor data)
    {
        GgmlType(data.dtype);
        tensors.Add((name, data));
    }

    /// <summary>Writes the file through a temporary name, so a reader never sees half of it.</summary>
    public void Write(string path)
    {
        string temp = path + ".tmp";
        try { WriteTo(temp); }
        catch
        {
            if (File.Exists(temp)) File.Delete(temp);   // a failed export (disk full, a tensor it cannot write) leaves neither file behind
            throw;
        }
        File.Move(temp, path, overwrite: true);
    }

    private void WriteTo(string file)
    {
        using var stream = new FileStream(file, FileMode.Create, FileAccess.Write);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)values.Count);
        foreach (var (key, write) in values)
        {
            WriteString(w, key);
            write(w);
        }
        ulong offset = 0;
        foreach (var (name, data) in tensors)
        {
            WriteString(w, name);
            w.Write((uint)data.shape.Length);
            foreach (long dim in data.shape.Reverse()) w.Write((ulong)dim);   // ne[0] is the innermost (contiguous) dimension
            w.Write(GgmlType(data.dtype));
            w.Write(offset);
            offset += Align((ulong)(data.numel() * data.ElementSize));   // each tensor starts 32-byte aligned
        }
        Pad(w);
        foreach (var (_, data) in tensors)
        {
            using var contiguous = data.detach().cpu().contiguous();
            w.Write(contiguous.bytes);
            Pad(w);
        }
    }

    private void AddArray(string key, ValueType element, int count, Action<BinaryWriter> items) => values.Add((key, w =>
    {
        w.Write((uint)ValueType.Array);
        w.Write((uint)element);
        w.Write((ulong)count);
        items(w);
    }));

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static ulong Align(ulong n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        long position = w.BaseStream.Position;
        for (long i = position; i < (long)Align((ulong)position); i++) w.Write((byte)0);
    }
}
