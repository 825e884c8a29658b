using System.Globalization;
using Eval.Core.Models;

namespace Eval.Core.Tuning;

/// <summary>
/// What fine-tuning a model by a recipe holds in memory at its peak (the start of the backward pass), from the source's
/// config alone, so a tuning that cannot fit is refused before anything is allocated. Everything trains in fp32
/// (4 bytes a value). The one place this formula lives; `eval tune`, suite validation and `eval run` all ask it.
/// The terms, with D = hidden size, I = intermediate size, Q = heads x head_dim, K = kv_heads x head_dim, V = vocabulary,
/// L = layers, N = batch x length tokens a step, r = LoRA rank; per-token figures are multiplied by N:
/// <list type="bullet">
/// <item><b>Weights</b>: every parameter (<see cref="ModelCost.TotalParameters"/>), plus the LoRA adapters of the LoRA methods and, when the embeddings train, the output head untied from them.</item>
/// <item><b>Gradients</b> and <b>AdamW state</b> (exp_avg, exp_avg_sq): 1 and 2 values per trainable parameter. Full
/// trains every weight; lora only its adapters, r x (in + out) on q, k, v, o of every layer; lora-plus the adapters,
/// the token embeddings and every norm (LongLoRA); lora+embed and lora+norm the adapters and one of the two.</item>
/// <item><b>Activations</b> kept for backward, per token per layer: 10D (two RMSNorms keep input, normalised values
/// and output; two residual sums; o_proj and down_proj outputs) + 4I (gate, up, silu(gate), their product) + 4Q + 3K
/// (q, k, v; rotated q and k; the attention output and its reshaped copy) + 2Q more when grouped-query attention repeats
/// k and v to every head; LoRA adds 4r + 2(Q + 2K + D) (each adapter's rank-r middle, its delta and the sum).
/// One more layer's worth is the backward pass's working set: (L + 1) layers are counted.</item>
/// <item><b>Attention scores</b>, per token per layer: full causal attention runs fused (one fp32 log-sum-exp per head:
/// Q / head_dim values); ALiBi's additive mask forces explicit scores in row blocks, kept for backward: two copies
/// (scores and probabilities) of the causal half of each row, heads x length; S2-Attn's groups run explicitly too
/// (as `eval bench --training` measures), as whole G x G blocks: 2 x heads x G, plus one Q for the regrouped heads' copy.
/// Measured: a 4,096-token ALiBi step of zoo:alibi peaked at 1.5 GiB (the whole process) against an estimate of 2.1 GiB.</item>
/// <item><b>Head</b>, per token: 4V (logits, their log-softmax, and the gradients of both) + 5D (embedding, final norm,
/// the head's input) + 2D for absolute positions added at the embedding + 14 for the batch itself (ids, targets and
/// weights, on the .NET heap and as tensors).</item>
/// <item><b>Runtime</b>: a fixed <see cref="RuntimeBytes"/> for what does not grow with the recipe but does grow while
/// training: libtorch's code paged in by the first backward pass and optimizer step, the training text and its tokens
/// (about 14 MB of text), the .NET heap.</item>
/// </list>
/// </summary>
public sealed record TrainingMemory(ModelConfig Config, TuneRecipe Recipe)
{
    public const int BytesPerValue = 4;

    /// <summary>The fixed allowance for the runtime's own growth while training (measured: about 60 MiB on a tiny model, plus the training text).</summary>
    public const long RuntimeBytes = 256L << 20;

    private long D => Config.HiddenSize;
    private long I => Config.IntermediateSize;
    private long Q => (long)Config.NumAttentionHeads * Config.HeadDim;
    private long K => (long)Config.NumKeyValueHeads * Config.HeadDim;
    private long Tokens => (long)Recipe.Batch * Recipe.Length;
    private bool Lora => Recipe.Trains.Adapters;

    public long WeightBytes => (new ModelCost(Config, BytesPerValue).TotalParameters + AdapterParameters + UntiedHeadParameters) * BytesPerValue;

    /// <summary>The frozen copy of tied embeddings that becomes the output head when the embeddings train (<see cref="TuneRecipe.TrainsEmbeddings"/>).</summary>
    public long UntiedHeadParameters => Recipe.TrainsEmbeddings && Config.TieWordEmbeddings ? (long)Config.VocabSize * D : 0;

    /// <summary>Parameters that receive gradients and optimizer state under the recipe's method.</summary>
    public long TrainableParameters => !Recipe.Trains.Adapters
        ? new ModelCost(Config, BytesPerValue).TotalParameters
        : AdapterParameters + (Recipe.TrainsEmbeddings ? (long)Config.VocabSize * D : 0) + (Recipe.TrainsNorms ? (2L * Config.NumHiddenLayers + 1) * D : 0);

    /// <summary>LoRA's A (r x in) and B (out x r) on q (D -> Q), k and v (D -> K) and o (Q -> D) of every layer.</summary>
    public long AdapterParameters => Lora ? (long)Config.NumHiddenLayers * Recipe.LoraRank * (4 * D + 2 * Q + 2 * K) : 0;

    public long GradientBytes => TrainableParameters * BytesPerValue;
    public long OptimizerBytes => 2 * TrainableParameters * BytesPerValue;

    /// <summary>Values one token keeps for backward in one layer, attention scores apart.</summary>
    public long ActivationValuesPerTokenPerLayer =>
        10 * D + 4 * I + 4 * Q + 3 * K + (K < Q ? 2 * Q : 0) + (Lora ? 4L * Recipe.LoraRank + 2 * (Q + 2 * K + D) : 0);

    /// <summary>Attention values one token keeps in one layer: fused, ALiBi's and KERPLE's explicit rows, or S2-Attn's explicit groups.</summary>
    public long ScoreValuesPerTokenPerLayer =>
        Recipe.Attention == "s2" ? 2L * Config.NumAttentionHeads * Recipe.GroupSize + Q
        : Config.PositionEncoding is "alibi" or "kerple" ? (long)Config.NumAttentionHeads * Recipe.Length
        : Config.NumAttentionHeads;

    /// <summary>Values one token needs outside the layers: logits and their gradients, embedding, final norm, the batch.</summary>
    public long HeadValuesPerToken =>
        4L * Config.VocabSize + 5 * D + (Config.PositionEncoding is "sinusoidal" or "learned" ? 2 * D : 0) + 14;

    private long Layers => Config.NumHiddenLayers + 1L;
    public long ActivationBytes => Tokens * Layers * ActivationValuesPerTokenPerLayer * BytesPerValue;
    public long ScoreBytes => Tokens * Layers * ScoreValuesPerTokenPerLayer * BytesPerValue;
    public long HeadBytes => Tokens * HeadValuesPerToken * BytesPerValue;

    public long TotalBytes => WeightBytes + GradientBytes + OptimizerBytes + ActivationBytes + ScoreBytes + HeadBytes + RuntimeBytes;

    /// <summary>
    /// Why training <paramref name="model"/> would not fit in <paramref name="limitBytes"/>, with the estimate, its
    /// parts and what to lower; null when it fits.
    /// </summary>
    public string? Problem(string model, long limitBytes)
    {
        if (TotalBytes <= limitBytes) return null;
        int fitting = Recipe.Length;
        while (fitting > 2 && (this with { Recipe = Recipe with { Length = fitting, Batch = 1 } }).TotalBytes > limitBytes) fitting /= 2;
        string advice = (this with { Recipe = Recipe with { Length = fitting, Batch = 1 } }).TotalBytes <= limitBytes
            ? $"lower length (now {Recipe.Length}) or batch (now {Recipe.Batch}); at batch 1 a length of {fitting} fits"
            : $"even length 2 at batch 1 does not fit: the weights, gradients and optimizer state alone are too large (method: lora trains far fewer)";
        return $"Tuning {model} needs an estimated {Size(TotalBytes)} ({Parts}) but this machine allows {Size(limitBytes)}: {advice}.";
    }

    private string Parts =>
        $"weights {Size(WeightBytes)}, gradients {Size(GradientBytes)}, AdamW state {Size(OptimizerBytes)}, activations {Size(ActivationBytes)}, " +
        $"attention {Size(ScoreBytes)}, logits {Size(HeadBytes)}, runtime {Size(RuntimeBytes)} at batch {Recipe.Batch} x length {Recipe.Length}";

    /// <summary>GiB from 1 GiB up, MiB below, one decimal.</summary>
    private static string Size(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F1} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB");
}
