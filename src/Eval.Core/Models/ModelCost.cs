namespace Eval.Core.Models;

/// <summary>
/// What a model costs at a context length, from its config alone (the survey's "cost of length"): parameters by part,
/// forward FLOPs (multiply-adds counted as two; embedding lookups, norms and softmax ignored, as in the PaLM MFU
/// convention) split into the linear layers and the attention over earlier tokens, the KV cache, and the memory of one
/// layer's attention scores for a window, materialised (every head's T x T matrix) or fused (flash attention keeps
/// one fp32 log-sum-exp per query row and head).
/// </summary>
public sealed record ModelCost(ModelConfig Config, int BytesPerValue)
{
    // The one parameter count of every family (the zoo, `eval cost`, the memory check before a checkpoint is built and
    // the training-memory estimate all read it; the family tests check it against the built modules). Computed in
    // double so that an absurd config (10,000 layers, intermediate_size 1e9) cannot overflow before it is refused.

    /// <summary>Token embeddings, plus the position table of a learned-position model (max_position_embeddings rows).</summary>
    public long EmbeddingParameters => (long)EmbeddingEstimate;

    /// <summary>The output head's own weights: none when tied to the embeddings.</summary>
    public long HeadParameters => (long)HeadEstimate;

    /// <summary>Every layer (projections and their biases, MLP and its biases, norms, KERPLE's two biases per head), the final norm, and BLOOM's embedding norm.</summary>
    public long LayerParameters => (long)LayerEstimate;

    public long TotalParameters => (long)ParameterEstimate;

    /// <summary>All parameters in double, counting tied embeddings once.</summary>
    public double ParameterEstimate => EmbeddingEstimate + HeadEstimate + LayerEstimate;

    /// <summary>The weights' bytes at <see cref="BytesPerValue"/>: what a model needs before it can be built (memory checks refuse on it).</summary>
    public double WeightBytes => ParameterEstimate * BytesPerValue;

    /// <summary>GPT-NeoX, GPT-2 and BLOOM: LayerNorms with a bias, biases on the MLP and on the attention output; the Llama family: RMSNorm weights only.</summary>
    private bool GptStyle => Config.ModelType is "gpt_neox" or "gpt2" or "bloom";

    private double H => Config.HiddenSize;
    private double NormParameters => GptStyle ? 2 * H : H;
    private double EmbeddingEstimate => ((double)Config.VocabSize + (Config.PositionEncoding == "learned" ? Config.MaxPositionEmbeddings : 0)) * H;
    private double HeadEstimate => Config.TieWordEmbeddings ? 0 : (double)Config.VocabSize * H;

    private double LayerEstimate =>
        Config.NumHiddenLayers * (ProjectionParameters + BiasParameters + MlpParameters + MlpBiasParameters + 2 * NormParameters + KerpleParameters)
        + NormParameters * (Config.ModelType == "bloom" ? 2 : 1);   // final norm; BLOOM's word_embeddings_layernorm

    private double ProjectionParameters => H * Config.HeadDim * (2.0 * Config.NumAttentionHeads + 2.0 * Config.NumKeyValueHeads);

    /// <summary>q, k, v biases (Qwen2's attention_bias); the GPT-style families' fused qkv and output biases.</summary>
    private double BiasParameters => Config.AttentionBias ? (double)Config.HeadDim * (Config.NumAttentionHeads + 2.0 * Config.NumKeyValueHeads) + (GptStyle ? H : 0) : 0;

    private double MlpParameters => (double)Config.MlpMatrices * H * Config.IntermediateSize;
    private double MlpBiasParameters => GptStyle ? Config.IntermediateSize + H : 0;
    private double KerpleParameters => Config.PositionEncoding == "kerple" ? 2.0 * Config.NumAttentionHeads : 0;

    /// <summary>FLOPs of the linear layers and the output head for one token: 2 x their weights. The same at every length.</summary>
    public double LinearFlopsPerToken => 2.0 * (Config.NumHiddenLayers * (ProjectionParameters + MlpParameters) + (double)Config.VocabSize * Config.HiddenSize);

    /// <summary>Attention FLOPs of a causal window of <paramref name="length"/> tokens: q k^T and p v over T(T + 1)/2 pairs per head and layer.</summary>
    public double AttentionFlopsPerWindow(int length) =>
        2.0 * 2.0 * Config.NumHiddenLayers * Config.NumAttentionHeads * Config.HeadDim * (length * (length + 1.0) / 2.0);

    public double FlopsPerWindow(int length) => LinearFlopsPerToken * length + AttentionFlopsPerWindow(length);

    /// <summary>The mean over a window's tokens: linear cost plus an attention share that grows with the length.</summary>
    public double FlopsPerToken(int length) => FlopsPerWindow(length) / length;

    /// <summary>Keys and values of every layer for <paramref name="length"/> tokens (batch 1).</summary>
    public long KvCacheBytes(int length) => 2L * Config.NumHiddenLayers * Config.NumKeyValueHeads * Config.HeadDim * length * BytesPerValue;

    /// <summary>One layer's attention scores for a window, materialised: heads x T x T values.</summary>
    public long MaterialisedScoreBytes(int length) => (long)Config.NumAttentionHeads * length * length * BytesPerValue;

    /// <summary>One layer's attention state for a window with fused attention: one fp32 log-sum-exp per head and query.</summary>
    public long FusedScoreBytes(int length) => (long)Config.NumAttentionHeads * length * sizeof(float);

    /// <summary>Bytes per value of a config's torch_dtype (float32 4; bfloat16, float16 2), or of a dtype name given.</summary>
    public static int BytesOf(string? dtype) => dtype?.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "float" => 4,
        "bfloat16" or "bf16" or "float16" or "fp16" or "half" => 2,
        null => 4,
        _ => throw new ArgumentException($"dtype \"{dtype}\" is not known. Known: float32 (fp32), bfloat16 (bf16), float16 (fp16)."),
    };
}
