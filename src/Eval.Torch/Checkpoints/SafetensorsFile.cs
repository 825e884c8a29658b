using System.IO.MemoryMappedFiles;
using System.Text.Json;
using static TorchSharp.torch;

namespace Eval.Torch.Checkpoints;

/// <summary>
/// A memory-mapped safetensors file (format: 8-byte little-endian header length N, N bytes of JSON
/// {name: {dtype, shape, data_offsets}}, then the data buffer). The header is validated when opened: every
/// range inside the buffer, sizes matching shapes, no overlaps, dtypes F32/F16/BF16. Tensors are copied
/// out of the mapping on demand, so opening a 14 GB shard costs nothing until a tensor is loaded.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private readonly long dataStart;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long dataStart,
        IReadOnlyDictionary<string, SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        (Path, this.map, this.view, this.dataStart, Entries, Metadata) = (path, map, view, dataStart, entries, metadata);
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found.");
        long length = new FileInfo(path).Length;
        if (length < 8) throw new CheckpointException($"{path}: truncated ({length} bytes); a safetensors file starts with an 8-byte header length.");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        try
        {
            // Read unsigned: the format's length is a u64, and 2^63 must be reported as such, not as a negative number.
            ulong declared = view.ReadUInt64(0);
            if (declared == 0 || declared > (ulong)(length - 8))
                throw new CheckpointException($"{path}: header length {declared} does not fit in a file of {length} bytes (truncated or not safetensors).");
            long headerLength = (long)declared;
            var header = new byte[headerLength];
            view.ReadArray(8, header, 0, header.Length);
            var (entries, metadata) = ParseHeader(path, header, length - 8 - headerLength);
            return new SafetensorsFile(path, map, view, 8 + headerLength, entries, metadata);
        }
        catch
        {
            view.Dispose();
            map.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, SafetensorsEntry>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        // The format requires UTF-8; checked up front because System.Text.Json reports invalid UTF-8 in a property
        // name only when the name is read, as an InvalidOperationException.
        try { new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(header); }
        catch (System.Text.DecoderFallbackException e) { throw new CheckpointException($"{path}: header is not valid UTF-8 (byte {e.Index} of the header)."); }
        JsonDocument json;
        try { json = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new CheckpointException($"{path}: header is not valid JSON ({e.Message})."); }
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{path}: header is not a JSON object.");
            var entries = new Dictionary<string, SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject()) metadata[m.Name] = m.Value.ToString();
                    continue;
                }
                entries[property.Name] = ParseEntry(path, property.Name, property.Value, dataLength);
            }
            var ordered = entries.Values.OrderBy(e => e.Begin).ToList();
            for (int i = 1; i < ordered.Count; i++)
                if (ordered[i].Begin < ordered[i - 1].End)
                    throw new CheckpointException($"{path}: tensors \"{ordered[i - 1].Name}\" and \"{ordered[i].Name}\" overlap in the data buffer.");
            return (entries, metadata);
        }
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        string where = $"{path}: tensor \"{name}\"";
        try
        {
            string dtype = e.GetProperty("dtype").GetString() ?? "";
            if (!SafetensorsDType.TryGet(dtype, out var type, out int size))
                throw new CheckpointException($"{where} has dtype {dtype}; supported: {string.Join(", ", SafetensorsDType.Supported)}.");
            long[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            long[] offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                throw new CheckpointException($"{where}: data_offsets [{string.Join(", ", offsets)}] lie outside the {dataLength}-byte data buffer.");
            if (shape.Any(d => d < 0))
                throw new CheckpointException($"{where}: shape [{string.Join(", ", shape)}] has a negative dimension.");
            long expected;
            try { expected = checked(shape.Aggregate(1L, (a, b) => a * b) * size); }
            catch (OverflowException) { throw new CheckpointException($"{where}: shape [{string.Join(", ", shape)}] of {dtype} overflows a 64-bit byte count."); }
            if (offsets[1] - offsets[0] != expected)
                throw new CheckpointException($"{where}: {offsets[1] - offsets[0]} bytes stored, but shape [{string.Join(", ", shape)}] of {dtype} needs {expected}.");
            return new SafetensorsEntry(name, dtype, type, shape, offsets[0], offsets[1]);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"{where}: malformed header entry ({ex.Message}).");
        }
    }

    /// <summary>Copies one tensor out of the mapping and converts it to <paramref name="dtype"/>.</summary>
    public unsafe Tensor Load(string name, ScalarType dtype)
    {
        if (!Entries.TryGetValue(name, out var entry)) throw new CheckpointException($"{Path}: no tensor \"{name}\".");
        var stored = empty(entry.Shape, dtype: entry.Type);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            var source = new ReadOnlySpan<byte>(pointer + view.PointerOffset + dataStart + entry.Begin, checked((int)(entry.End - entry.Begin)));
            source.CopyTo(stored.bytes);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        if (stored.dtype == dtype) return stored;
        using (stored) return stored.to(dtype);
    }

    public void Dispose()
    {
        view.Dispose();
        map.Dispose();
    }
}
