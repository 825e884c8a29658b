using System.Text.RegularExpressions;
using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Torch.Bench.LlamaCpp;

/// <summary>
/// A Llama model as llama.cpp's convert_hf_to_gguf.py writes LlamaForCausalLM (architecture "llama"), so that
/// llama-perplexity scores the same weights: HF tensor names mapped to GGUF's, q and k rows permuted from HF's
/// half-split rotary layout to ggml's adjacent pairs, norms kept f32, the rest in the requested type.
/// </summary>
public static partial class LlamaGguf
{
    /// <summary>llama.cpp's LLAMA_FTYPE for an export whose matrices are all of one type.</summary>
    private static uint FileType(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 0,     // LLAMA_FTYPE_ALL_F32
        ScalarType.Float16 => 1,     // LLAMA_FTYPE_MOSTLY_F16
        ScalarType.BFloat16 => 32,   // LLAMA_FTYPE_MOSTLY_BF16
        _ => throw new ArgumentException($"GGUF export writes f32, f16 or bf16, not {dtype}."),
    };

    /// <summary>Why this model cannot be written as a plain llama GGUF, or null when it can.</summary>
    public static string? Unsupported(LlamaForCausalLM model, SentencePieceVocabulary vocabulary)
    {
        var a = model.Architecture;
        if (a.Encoding != PositionEncoding.Rope) return $"its position encoding is {a.EncodingName}; llama.cpp's llama architecture is RoPE only.";
        if (a.SlidingWindow is not null) return "it has a sliding window (mistral/qwen2 layout); only plain llama exports.";
        if (a.AttentionBias) return "its attention projections have biases (qwen2 layout); only plain llama exports.";
        if (vocabulary.Pieces.Count != a.VocabSize) return $"its tokenizer has {vocabulary.Pieces.Count} pieces but the model {a.VocabSize} embedding rows.";
        return null;
    }

    public static void Write(string path, LlamaForCausalLM model, SentencePieceVocabulary vocabulary, ScalarType dtype, string name)
    {
        if (Unsupported(model, vocabulary) is string why) throw new ArgumentException($"Cannot export to GGUF: {why}");
        var a = model.Architecture;
        var gguf = new GgufWriter();
        gguf.Add("general.architecture", "llama");
        gguf.Add("general.name", name);
        gguf.Add("general.file_type", FileType(dtype));
        gguf.Add("llama.context_length", (uint)a.TrainedLength);
        gguf.Add("llama.embedding_length", (uint)a.HiddenSize);
        gguf.Add("llama.block_count", (uint)a.Layers);
        gguf.Add("llama.feed_forward_length", (uint)a.IntermediateSize);
        gguf.Add("llama.attention.head_count", (uint)a.Heads);
        gguf.Add("llama.attention.head_count_kv", (uint)a.KvHeads);
        gguf.Add("llama.attention.key_length", (uint)a.HeadDim);
        gguf.Add("llama.attention.value_length", (uint)a.HeadDim);
        gguf.Add("llama.rope.dimension_count", (uint)a.HeadDim);
        gguf.Add("llama.rope.freq_base", (float)a.RopeTheta);
        gguf.Add("llama.attention.layer_norm_rms_epsilon", (float)a.RmsNormEps);
        gguf.Add("llama.vocab_size", (uint)a.VocabSize);
        gguf.Add("tokenizer.ggml.model", "llama");
        gguf.Add("tokenizer.ggml.tokens", vocabulary.Pieces);
        gguf.Add("tokenizer.ggml.scores", vocabulary.Scores);
        gguf.Add("tokenizer.ggml.token_type", vocabulary.Types);
        gguf.Add("tokenizer.ggml.unknown_token_id", (uint)SentencePieceVocabulary.Unknown);
        gguf.Add("tokenizer.ggml.bos_token_id", (uint)SentencePieceVocabulary.Bos);
        gguf.Add("tokenizer.ggml.eos_token_id", (uint)SentencePieceVocabulary.Eos);
        gguf.Add("tokenizer.ggml.add_bos_token", true);
        gguf.Add("tokenizer.ggml.add_eos_token", false);

        using var scope = NewDisposeScope();
        using var grad = no_grad();
        foreach (var (hfName, weight) in model.state_dict())
        {
            var (ggufName, rows) = Map(hfName, a);
            var data = rows switch
            {
                null => weight,
                int heads => RotaryPairs(weight, heads),
            };
            gguf.AddTensor(ggufName, weight.dim() == 1 ? data.to(ScalarType.Float32) : data.to(dtype));
        }
        gguf.Write(path);
    }

    /// <summary>
    /// HF's q/k rows per head [x_0..x_{d/2-1} | x_{d/2}..x_{d-1}] (rotate_half) -> ggml's pairs (x_0, x_{d/2}), (x_1, x_{d/2+1}), ...:
    /// (heads x hd, in) viewed (heads, 2, hd/2, in), halves and pairs swapped, as convert_hf_to_gguf.py's permute.
    /// </summary>
    public static Tensor RotaryPairs(Tensor weight, int heads) =>
        weight.reshape(heads, 2, weight.shape[0] / heads / 2, weight.shape[1]).transpose(1, 2).reshape(weight.shape);

    /// <summary>GGUF's name for an HF tensor, and the head count to permute its rows by (q and k only).</summary>
    private static (string Name, int? PermuteHeads) Map(string hfName, LlamaArchitecture a)
    {
        switch (hfName)
        {
            case "model.embed_tokens.weight": return ("token_embd.weight", null);
            case "model.norm.weight": return ("output_norm.weight", null);
            case "lm_head.weight": return ("output.weight", null);
        }
        var match = LayerTensor().Match(hfName);
        if (!match.Success) throw new ArgumentException($"Cannot export to GGUF: no llama.cpp name for tensor {hfName}.");
        string block = $"blk.{match.Groups[1].Value}.";
        return match.Groups[2].Value switch
        {
            "input_layernorm" => (block + "attn_norm.weight", null),
            "self_attn.q_proj" => (block + "attn_q.weight", a.Heads),
            "self_attn.k_proj" => (block + "attn_k.weight", a.KvHeads),
            "self_attn.v_proj" => (block + "attn_v.weight", null),
            "self_attn.o_proj" => (block + "attn_output.weight", null),
            "post_attention_layernorm" => (block + "ffn_norm.weight", null),
            "mlp.gate_proj" => (block + "ffn_gate.weight", null),
            "mlp.up_proj" => (block + "ffn_up.weight", null),
            "mlp.down_proj" => (block + "ffn_down.weight", null),
            var other => throw new ArgumentException($"Cannot export to GGUF: no llama.cpp name for tensor {hfName} ({other})."),
        };
    }

    [GeneratedRegex(@"^model\.layers\.(\d+)\.(.+)\.weight$")]
    private static partial Regex LayerTensor();
}
