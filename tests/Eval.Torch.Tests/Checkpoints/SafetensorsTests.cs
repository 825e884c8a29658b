using System.Text;
using Eval.Torch.Checkpoints;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Checkpoints;

public class SafetensorsTests
{
    string dir = "";

    [SetUp] public void Create() => dir = TinyCheckpoint.TempDirectory();
    [TearDown] public void Remove() => Directory.Delete(dir, recursive: true);

    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float16)]
    [TestCase(ScalarType.BFloat16)]
    public void WriteThenRead_EachDType_KeepsEveryValueAndShape(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var tensors = new Dictionary<string, Tensor> { ["b.weight"] = randn(3, 5).to(dtype), ["a"] = randn(7).to(dtype), ["empty"] = zeros(0, 4).to(dtype) };
        string path = Path.Combine(dir, "x.safetensors");
        SafetensorsWriter.Write(path, tensors);
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Entries.Keys, Is.EquivalentTo(tensors.Keys));
        foreach (var (name, expected) in tensors)
        {
            var loaded = file.Load(name, dtype);
            Assert.That(loaded.shape, Is.EqualTo(expected.shape));
            Assert.That(loaded.eq(expected).all().item<bool>(), Is.True, name);
        }
        Assert.That(BitConverter.ToInt64(File.ReadAllBytes(path), 0) % 8, Is.EqualTo(0), "header padded to 8 bytes");
    }

    static void WriteRaw(string path, string header, int dataBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((long)bytes.Length));
        stream.Write(bytes);
        stream.Write(new byte[dataBytes]);
    }

    [TestCase("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "lie outside the 4-byte data buffer")]
    [TestCase("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", 8, "data_offsets [-4, 0] lie outside")] // would read header bytes as weights
    [TestCase("""{"t":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}""", 8, "data_offsets [8, 4] lie outside")]
    [TestCase("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[8]}}""", 8, "data_offsets [8] lie outside")]
    [TestCase("""{"t":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}""", 8, "has dtype I32; supported: F32, F16, BF16")]
    [TestCase("""{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 12, "8 bytes stored, but shape [3] of F32 needs 12")]
    [TestCase("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "overlap")]
    [TestCase("""{"t":{"dtype":"F32","shape":[2]""", 8, "header is not valid JSON")]
    [TestCase("""{"t":{"dtype":"F32","shape":[2]}}""", 8, "malformed header entry")]
    public void Open_CorruptHeader_NamesFileAndReason(string header, int dataBytes, string expected)
    {
        string path = Path.Combine(dir, "bad.safetensors");
        WriteRaw(path, header, dataBytes);
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.That(e!.Message, Does.StartWith(path).And.Contain(expected));
    }

    [TestCase("""{"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "negative dimension")]
    [TestCase("""{"t":{"dtype":"F32","shape":[-2,-2,1],"data_offsets":[0,16]}}""", 16, "negative dimension")] // the product alone looks fine
    [TestCase("""{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8, "overflows")]
    public void Open_NegativeOrOverflowingShape_NamesFileAndReason(string header, int dataBytes, string expected)
    {
        string path = Path.Combine(dir, "bad.safetensors");
        WriteRaw(path, header, dataBytes);
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.That(e!.Message, Does.StartWith(path).And.Contain(expected));
    }

    [Test]
    public void Open_HeaderNotUtf8_SaysSo()
    {
        string path = Path.Combine(dir, "bad.safetensors");
        byte[] header = [.. Encoding.UTF8.GetBytes("{\""), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes("\":{}}")];
        using (var stream = File.Create(path))
        {
            stream.Write(BitConverter.GetBytes((long)header.Length));
            stream.Write(header);
        }
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.That(e!.Message, Does.StartWith(path).And.Contain("not valid UTF-8"));
    }

    [Test]
    public void Open_HeaderLengthTwoToThe63_PrintsItUnsigned()
    {
        string path = Path.Combine(dir, "bad.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(long.MinValue), .. new byte[16]]);
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.That(e!.Message, Does.Contain("header length 9223372036854775808 does not fit"));
    }

    [TestCase("../outside.safetensors")]
    [TestCase("/etc/passwd")]
    public void Layout_IndexPointsOutsideFolder_RefusesWithoutReadingIt(string shard)
    {
        string model = Directory.CreateDirectory(Path.Combine(dir, "model")).FullName;
        File.WriteAllText(Path.Combine(dir, "outside.safetensors"), "secret");
        File.WriteAllText(Path.Combine(model, CheckpointWeights.IndexFile), $$$"""{"weight_map":{"w":"{{{shard}}}"}}""");
        var e = Assert.Throws<CheckpointException>(() => CheckpointWeights.Layout(model));
        Assert.That(e!.Message, Does.Contain("outside the model folder").And.Not.Contain("secret"));
    }

    [Test]
    public void Open_TruncatedFile_SaysHeaderDoesNotFit()
    {
        string path = Path.Combine(dir, "cut.safetensors");
        using (var scope = NewDisposeScope()) SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = ones(100) });
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);
        Assert.That(Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose())!.Message, Does.Contain("does not fit in a file of 40 bytes"));
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.That(Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose())!.Message, Does.Contain("truncated (3 bytes)"));
    }

    [Test]
    public void Open_HeaderLengthOneByteBeyondTheFile_SaysItDoesNotFit()
    {
        string path = Path.Combine(dir, "long.safetensors");
        byte[] header = Encoding.UTF8.GetBytes("{}");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)header.Length + 1), .. header]);
        Assert.That(Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose())!.Message, Does.Contain("header length 3 does not fit in a file of 10 bytes"));
    }

    [Test]
    public void OpenAndLoad_MissingFileOrTensor_AreNamed()
    {
        string path = Path.Combine(dir, "x.safetensors");
        Assert.That(Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path))!.Message, Is.EqualTo($"{path}: file not found."));
        using (var scope = NewDisposeScope()) SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = ones(2) });
        using var file = SafetensorsFile.Open(path);
        Assert.That(Assert.Throws<CheckpointException>(() => file.Load("u", ScalarType.Float32))!.Message, Is.EqualTo($"{path}: no tensor \"u\"."));
    }

    [Test]
    public void Load_AnotherDType_ConvertsTheStoredValues()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(dir, "x.safetensors");
        var stored = tensor(new[] { 0.5f, -1.25f, 3f });
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = stored });
        using var file = SafetensorsFile.Open(path);
        var wide = file.Load("t", ScalarType.Float64);
        Assert.That(wide.dtype, Is.EqualTo(ScalarType.Float64));
        Assert.That(wide.data<double>().ToArray(), Is.EqualTo(new[] { 0.5, -1.25, 3.0 }));
    }

    [Test]
    public void Write_MetadataAndTheLeastPadding_AsTheReferenceWrites()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(dir, "x.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = ones(3) }, new Dictionary<string, string> { ["format"] = "pt" });
        byte[] bytes = File.ReadAllBytes(path);
        long declared = BitConverter.ToInt64(bytes, 0);
        int json = Encoding.UTF8.GetString(bytes, 8, (int)declared).TrimEnd(' ').Length;
        Assert.That(declared - json, Is.InRange(0, 7), "padded to the next multiple of 8, no further");
        Assert.That(bytes.Length, Is.EqualTo(8 + declared + 12));
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Metadata, Is.EqualTo(new Dictionary<string, string> { ["format"] = "pt" }));
    }
}
