using System.Security.Cryptography;
using Eval.Core.Models;
using Eval.Torch.Model;
using Eval.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Checkpoints;

/// <summary>A loaded checkpoint: the model in eval mode, its tokenizer, its config and a content fingerprint.</summary>
public sealed record LoadedCheckpoint(CausalLM Model, ModelTokenizer Tokenizer, ModelConfig Config, string Fingerprint);

/// <summary>Loads a Hugging Face-format checkpoint directory (config.json, safetensors, tokenizer files).</summary>
public static class CheckpointLoader
{
    /// <param name="fingerprint">The checkpoint's fingerprint when the caller already computed it (it reads every weight byte).</param>
    public static LoadedCheckpoint Load(string directory, ScalarType dtype, Device? device = null, int? trainedLength = null, string? fingerprint = null)
    {
        if (!Directory.Exists(directory)) throw new CheckpointException($"{directory}: model directory not found.");
        string configPath = Path.Combine(directory, "config.json");
        var config = ModelConfigReader.Read(configPath);
        var family = CausalLMFamilies.For(config.ModelType, configPath);
        CheckMemory(config, configPath);
        var tokenizer = ModelTokenizer.Load(directory, config);

        var weights = CheckpointWeights.Load(directory, dtype);
        CausalLM model;
        try
        {
            family.AdaptWeights(weights, config);
            model = family.Build(config, trainedLength);
            model.to(dtype);
            try { StrictWeightLoader.Assign(model, weights, directory); }
            catch { model.Dispose(); throw; }
        }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        if (device is not null) model.to(device);
        model.eval();
        return new LoadedCheckpoint(model, tokenizer, config, fingerprint ?? Fingerprint(directory));
    }

    /// <summary>
    /// Refuses, before anything is allocated, a config.json whose model cannot be built in this machine's memory
    /// (10,000 layers, intermediate_size 1e9): building the model allocates every parameter in fp32 before its weights
    /// are read, so the estimate is parameters x 4 bytes, against the memory .NET sees (physical or the container's limit).
    /// </summary>
    /// <param name="available">Bytes available; the machine's when null (tests pass a figure).</param>
    public static void CheckMemory(ModelConfig c, string configPath, long? available = null)
    {
        var cost = new ModelCost(c, sizeof(float));
        double parameters = cost.ParameterEstimate, bytes = cost.WeightBytes;
        long limit = available ?? Eval.Core.Runtime.MachineMemory.LimitBytes;
        if (bytes > limit)
            throw new CheckpointException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{configPath}: the model it describes needs about {bytes / (1L << 30):N1} GiB to build ({parameters:G3} parameters x 4 bytes in fp32; " +
                $"num_hidden_layers {c.NumHiddenLayers}, hidden_size {c.HiddenSize}, intermediate_size {c.IntermediateSize}, vocab_size {c.VocabSize}), " +
                $"more than the {limit / (double)(1L << 30):N1} GiB of memory available; check those fields."));
    }

    /// <summary>
    /// SHA-256 over config.json and every weight file's bytes: two checkpoints with the same fingerprint compute the
    /// same figures, whatever their folder is called.
    /// </summary>
    public static string Fingerprint(string directory)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = new List<string> { Path.Combine(directory, "config.json") };
        files.AddRange(CheckpointWeights.Layout(directory).Select(l => l.File).Order(StringComparer.Ordinal));
        var buffer = new byte[1 << 20];
        foreach (string file in files)
        {
            using var stream = File.OpenRead(file);
            int read;
            while ((read = stream.Read(buffer)) > 0) sha.AppendData(buffer, 0, read);
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant()[..16];
    }
}
