using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Gpt2;

/// <summary>transformers' GPT2Model: wte + wpe, blocks h, ln_f. Registered as "transformer" in the LM-head model.</summary>
public sealed class Gpt2Model : nn.Module, IDecoderBody
{
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly ModuleList<Gpt2Block> h;
    private readonly LayerNorm ln_f;
    private readonly Gpt2Architecture architecture;

    public Gpt2Model(Gpt2Architecture a) : base(nameof(Gpt2Model))
    {
        wte = nn.Embedding(a.VocabSize, a.HiddenSize);
        wpe = nn.Embedding(a.Positions, a.HiddenSize);
        h = nn.ModuleList(Enumerable.Range(0, a.Layers).Select(_ => new Gpt2Block(a)).ToArray());
        ln_f = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        architecture = a;
        RegisterComponents();
    }

    /// <summary>The token embedding matrix (V, D), the output head's weight when tied.</summary>
    public Tensor EmbeddingWeight => wte.weight!;

    /// <summary>
    /// Token ids (B, T) -> final normalised hidden states (B, T, D). Position vectors come from the strategy through the
    /// harness's learned-position code: wpe's rows as trained (beyond them: not applicable), or stretched (hierarchical).
    /// </summary>
    public Tensor Forward(Tensor inputIds, PositionalAttention positions, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var x = wte.forward(inputIds) + AbsolutePositions.Vectors(architecture, wpe.weight, positions.Strategy,
            positions.QueryOffset, positions.QueryCount, wte.weight!.dtype, inputIds.device);    // (B, T, D) + (T, D)
        for (int i = 0; i < h.Count; i++)
        {
            var next = h[i].Forward(x, positions, cache, i);
            x.Dispose();
            x = next;
        }
        cache?.Advance((int)inputIds.shape[1]);
        return ln_f.forward(x).MoveToOuterDisposeScope();
    }
}
