using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Runtime;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Fixtures;

/// <summary>
/// Tiny random checkpoints of a non-Llama family written in its Hugging Face layout (a config.json in transformers'
/// field names, model.safetensors under transformers' tensor names, the zoo's tokenizer), and the float64 pieces the
/// family tests write their reference forward passes from. Nothing here goes through the runtime's model classes.
/// </summary>
public static class FamilyCheckpoint
{
    /// <summary>The zoo tokenizer's vocabulary; token ids drawn from [3, Vocab).</summary>
    public const int Vocab = 4096;

    /// <summary>
    /// Seeded random weights under the given names and shapes: norm weights near 1 (so loading them matters), biases
    /// small, embeddings of unit-ish scale, matrices at 0.15 so that 32-wide layers give attention some contrast.
    /// </summary>
    public static Dictionary<string, Tensor> RandomWeights(IEnumerable<(string Name, long[] Shape)> shapes, int seed)
    {
        manual_seed(seed);
        var weights = new Dictionary<string, Tensor>();
        foreach (var (name, shape) in shapes)
        {
            bool norm = name.Contains("ln_") || name.Contains("layernorm") || name.Contains("layer_norm");
            bool embedding = name.Contains("embed_in") || name.Contains("wte") || name.Contains("wpe") || name.Contains("word_embeddings");
            weights[name] = norm && name.EndsWith(".weight", StringComparison.Ordinal) ? rand(shape) + 0.5
                : name.EndsWith(".bias", StringComparison.Ordinal) ? randn(shape) * 0.1
                : randn(shape) * (embedding ? 0.5 : 0.15);
        }
        return weights;
    }

    /// <summary>Writes config.json, model.safetensors and the zoo tokenizer into a fresh folder; returns it.</summary>
    public static string Write(JsonObject config, IReadOnlyDictionary<string, Tensor> weights)
    {
        string folder = TinyCheckpoint.TempDirectory();
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        CheckpointWeights.Save(folder, weights);
        File.Copy(RepositoryPaths.Require("suites/zoo/tokenizer.model"), Path.Combine(folder, "tokenizer.model"), overwrite: true);
        return folder;
    }

    public static int[] Tokens(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(3, Vocab)).ToArray();
    }

    /// <summary>The harness's per-token NLL for one window scored from position 1, the checkpoint loaded from its folder.</summary>
    public static double[] HarnessNll(string folder, int[] tokens, string? strategy = null)
    {
        using var lm = TorchLanguageModel.Load(folder, ScalarType.Float32);
        if (strategy is not null) lm.Strategy = Eval.Core.Positional.StrategyRegistry.Create(strategy);
        return lm.Score([new ScoringWindow(tokens, 1)])[0].Nll.Select(x => (double)x).ToArray();
    }

    public static double MaxDifference(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    /// <summary>-log p(token t | tokens before t) for t = 1 .. T-1 from float64 logits (T, V).</summary>
    public static double[] Nll(Tensor logits, int[] tokens)
    {
        var logProbs = logits.log_softmax(-1);
        return Enumerable.Range(1, tokens.Length - 1).Select(n => -logProbs[n - 1, tokens[n]].item<double>()).ToArray();
    }

    /// <summary>torch.nn.LayerNorm in float64: (x - mean) / sqrt(biased variance + eps) * weight + bias over the last axis.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        var mean = x.mean([-1L], keepdim: true);
        var variance = (x - mean).pow(2).mean([-1L], keepdim: true);
        return (x - mean) / (variance + eps).sqrt() * weight + bias;
    }

    /// <summary>transformers' ACT2FN by name, in float64: gelu with erf; gelu_new / gelu_pytorch_tanh with tanh.</summary>
    public static Tensor Activation(string name, Tensor x) => name switch
    {
        "gelu" => 0.5 * x * (1.0 + (x / Math.Sqrt(2.0)).erf()),
        "gelu_new" or "gelu_pytorch_tanh" => 0.5 * x * (1.0 + (Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh()),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Causal softmax attention of q, k, v (nH, T, hd), scores / sqrt(hd): (nH, T, hd) -> (T, nH * hd).</summary>
    public static Tensor CausalAttention(Tensor q, Tensor k, Tensor v)
    {
        long heads = q.shape[0], t = q.shape[1], hd = q.shape[2];
        var positions = arange(t, dtype: ScalarType.Float64);
        var future = positions.view(1, -1) > positions.view(-1, 1);                                   // (T, T): key after query
        var scores = (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(hd)).masked_fill(future, double.NegativeInfinity);
        return scores.softmax(-1).matmul(v).transpose(0, 1).reshape(t, heads * hd);
    }
}
