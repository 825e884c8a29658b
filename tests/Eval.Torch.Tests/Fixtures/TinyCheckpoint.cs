using Eval.Core.Models;
using Eval.Core.Runtime;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Fixtures;

/// <summary>Random tiny Llama-family models, and HF-format checkpoints of them written by the harness's own writer.</summary>
public static class TinyCheckpoint
{
    public static LlamaArchitecture Architecture(PositionEncoding encoding = PositionEncoding.Rope, bool tied = false, bool bias = false,
        int trainedLength = 64, int kvHeads = 2) =>
        new(VocabSize: 4096, HiddenSize: 32, Layers: 2, Heads: 4, KvHeads: kvHeads, HeadDim: 8, IntermediateSize: 48, RmsNormEps: 1e-5,
            RopeTheta: 10000, TrainedLength: trainedLength, TieWordEmbeddings: tied, AttentionBias: bias, Encoding: encoding);

    /// <summary>A model with random weights, seeded. Norm weights (and KERPLE's r1, r2) are randomised too, so loading them is tested.</summary>
    public static LlamaForCausalLM RandomModel(LlamaArchitecture architecture, int seed = 7)
    {
        manual_seed(seed);
        var model = new LlamaForCausalLM(architecture);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("norm.weight", StringComparison.Ordinal)) p.copy_(rand_like(p) + 0.5);
                else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.copy_(randn_like(p) * 0.1);
                else if (name.Contains(".kerple_r", StringComparison.Ordinal)) p.copy_(rand_like(p) * 1.5 + 0.05);   // KERPLE's r1, r2: positive, per head
        model.eval();
        return model;
    }

    /// <summary>Writes config.json, weights (optionally sharded, in <paramref name="dtype"/>) and the zoo tokenizer.</summary>
    public static string Write(LlamaForCausalLM model, string directory, ScalarType dtype = ScalarType.Float32, long? shardBytes = null)
    {
        Directory.CreateDirectory(directory);
        var weights = model.state_dict().ToDictionary(p => p.Key, p => p.Value.to(dtype));
        CheckpointWeights.Save(directory, weights, shardBytes);
        foreach (var t in weights.Values) t.Dispose();
        ModelConfigReader.Write(Path.Combine(directory, "config.json"),
            model.Architecture.ToConfig(dtype == ScalarType.BFloat16 ? "bfloat16" : "float32"));
        File.Copy(RepositoryPaths.Require("suites/zoo/tokenizer.model"), Path.Combine(directory, "tokenizer.model"), overwrite: true);
        return directory;
    }

    /// <summary>The first 200,000 characters of the zoo's training text in a folder of their own: enough rows of 128 tokens, quick to tokenize.</summary>
    public static string TrainingTextSlice(string directory)
    {
        Directory.CreateDirectory(directory);
        using var reader = new StreamReader(new System.IO.Compression.GZipStream(File.OpenRead(RepositoryPaths.Require("suites/corpora/train/sotu.txt.gz")),
            System.IO.Compression.CompressionMode.Decompress));
        var buffer = new char[200_000];
        int read = reader.ReadBlock(buffer);
        using var writer = new StreamWriter(new System.IO.Compression.GZipStream(File.Create(Path.Combine(directory, "slice.txt.gz")),
            System.IO.Compression.CompressionLevel.Fastest));
        writer.Write(buffer, 0, read);
        return directory;
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "eval-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
