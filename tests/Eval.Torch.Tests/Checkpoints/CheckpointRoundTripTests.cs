using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Checkpoints;

public class CheckpointRoundTripTests
{
    readonly List<string> folders = [];

    string Folder()
    {
        string folder = TinyCheckpoint.TempDirectory();
        folders.Add(folder);
        return folder;
    }

    [TearDown]
    public void Cleanup()
    {
        foreach (string folder in folders) Directory.Delete(folder, recursive: true);
        folders.Clear();
    }

    static Tensor Logits(CausalLM model)
    {
        using var noGrad = no_grad();
        var ids = arange(3, 43, dtype: ScalarType.Int64).view(1, -1);
        return model.Logits(model.Hidden(ids, model.Shape.NativeStrategy())).to(ScalarType.Float32);
    }

    [TestCase(false, false, false)]
    [TestCase(true, false, false)]
    [TestCase(false, true, false)]
    [TestCase(false, false, true)]
    public void WriteThenLoad_Fp32_GivesIdenticalLogits(bool sharded, bool tied, bool bias)
    {
        using var scope = NewDisposeScope();
        using var original = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: tied, bias: bias));
        string dir = TinyCheckpoint.Write(original, Folder(), shardBytes: sharded ? 200_000 : null);
        if (sharded) Assert.That(Directory.GetFiles(dir, "model-*-of-*.safetensors"), Has.Length.GreaterThan(1));
        var loaded = CheckpointLoader.Load(dir, ScalarType.Float32);
        using var model = loaded.Model;
        Assert.That(Logits(model).eq(Logits(original)).all().item<bool>(), Is.True);
    }

    [Test]
    public void WriteThenLoad_Bf16_GivesLogitsOfTheBf16Model()
    {
        using var scope = NewDisposeScope();
        using var original = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        string dir = TinyCheckpoint.Write(original, Folder(), ScalarType.BFloat16);
        using var inBf16 = CheckpointLoader.Load(dir, ScalarType.BFloat16).Model;
        using var inFp32 = CheckpointLoader.Load(dir, ScalarType.Float32).Model;
        Assert.That(inBf16.parameters().Select(p => p.dtype), Is.All.EqualTo(ScalarType.BFloat16), "the model computes in the dtype asked for");
        original.to(ScalarType.BFloat16).to(ScalarType.Float32); // the weights the file holds, back in fp32
        Assert.That(Logits(inFp32).eq(Logits(original)).all().item<bool>(), Is.True, "bf16 weights widen to fp32 exactly");
        Assert.That(Logits(inBf16).allclose(Logits(inFp32), rtol: 0.05, atol: 0.05), Is.True, "bf16 compute stays close");
    }

    [Test]
    public void Load_WeightsOfAnotherShape_NamesEveryKeyAndBothShapes()
    {
        using var original = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        string dir = TinyCheckpoint.Write(original, Folder());
        using var other = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture() with { IntermediateSize = 40, Layers = 3 });
        string otherDir = TinyCheckpoint.Write(other, Folder());
        File.Copy(Path.Combine(dir, "config.json"), Path.Combine(otherDir, "config.json"), overwrite: true);
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(otherDir, ScalarType.Float32));
        Assert.That(e!.Message, Does.Contain("unexpected tensor \"model.layers.2.mlp.up_proj.weight\""));
        Assert.That(e.Message, Does.Contain("tensor \"model.layers.0.mlp.gate_proj.weight\" has shape [40, 32] but the model expects [48, 32]"));
    }

    [Test]
    public void Load_MissingTensor_IsNamed()
    {
        using var original = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        string dir = Folder();
        var weights = original.state_dict().Where(p => p.Key != "model.norm.weight").ToDictionary(p => p.Key, p => p.Value);
        TinyCheckpoint.Write(original, dir);
        CheckpointWeights.Save(dir, weights);
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(dir, ScalarType.Float32));
        Assert.That(e!.Message, Does.Contain("missing tensor \"model.norm.weight\" (model expects [32])"));
    }

    [Test]
    public void Load_MissingDirectoryOrWeights_SaysWhatWasLookedFor()
    {
        Assert.That(Assert.Throws<CheckpointException>(() => CheckpointLoader.Load("/no/such/model", ScalarType.Float32))!.Message,
            Does.Contain("/no/such/model: model directory not found"));
        using var original = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        string dir = TinyCheckpoint.Write(original, Folder());
        File.Delete(Path.Combine(dir, "model.safetensors"));
        Assert.That(Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(dir, ScalarType.Float32))!.Message,
            Does.Contain("Looked for model.safetensors and model.safetensors.index.json"));
    }

    [Test]
    public void Load_ConfigOfTenThousandHugeLayers_IsRefusedWithItsMemoryFigureBeforeAllocating()
    {
        // A real tiny checkpoint whose config.json claims 10,000 layers of intermediate_size 1e9: building it would
        // allocate without limit (petabytes); it is refused from config.json alone, naming the figure and the fields.
        using var original = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        string dir = TinyCheckpoint.Write(original, Folder());
        string config = Path.Combine(dir, "config.json");
        ModelConfigReader.Write(config, ModelConfigReader.Read(config) with { NumHiddenLayers = 10_000, IntermediateSize = 1_000_000_000 });
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(dir, ScalarType.Float32));
        Assert.That(e!.Message, Does.Contain("config.json: the model it describes needs about").And.Contain("GiB to build"));
        Assert.That(e.Message, Does.Contain("num_hidden_layers 10000").And.Contain("intermediate_size 1000000000").And.Contain("of memory available"));
    }

    [Test]
    public void CheckMemory_ModelWithinTheMemory_PassesAndOneByteLessIsRefused()
    {
        var config = TinyCheckpoint.Architecture().ToConfig("float32");
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        long bytes = model.ParameterCount() * 4;
        Assert.DoesNotThrow(() => CheckpointLoader.CheckMemory(config, "config.json", bytes));
        Assert.Throws<CheckpointException>(() => CheckpointLoader.CheckMemory(config, "config.json", bytes - 1));
    }
}
