using Eval.Core.Validation;
using Eval.Torch.Model;

namespace Eval.Torch.Bench;

/// <summary>
/// Randomly initialised Llama shapes for speed measurements without weights (`synthetic:SIZE`). Shapes follow
/// the usual small-model recipes (GPT-2 / Pythia widths, Llama's SwiGLU ratio, 32k vocabulary).
/// </summary>
public static class SyntheticModels
{
    private static readonly Dictionary<string, LlamaArchitecture> Sizes = new()
    {
        ["10m"] = Shape(hidden: 256, layers: 6, heads: 4, intermediate: 704, vocab: 8192),
        ["25m"] = Shape(hidden: 384, layers: 8, heads: 6, intermediate: 1024, vocab: 16384),
        ["100m"] = Shape(hidden: 768, layers: 12, heads: 12, intermediate: 2048, vocab: 32000),
        ["300m"] = Shape(hidden: 1024, layers: 24, heads: 16, intermediate: 2816, vocab: 32000),
        // Llama-2-7B's shape (6.74B parameters, untied head, trained at 4096): for the bf16 memory and speed figures.
        ["7b"] = Shape(hidden: 4096, layers: 32, heads: 32, intermediate: 11008, vocab: 32000, trainedLength: 4096, tied: false),
    };

    public static IReadOnlyCollection<string> Names => Sizes.Keys;

    public static LlamaArchitecture Get(string size) =>
        Sizes.TryGetValue(size.ToLowerInvariant(), out var shape) ? shape
            : throw new ArgumentException($"Unknown synthetic size \"{size}\". Available: {string.Join(", ", Sizes.Keys)}.{DidYouMean.Hint(size, Sizes.Keys)}");

    private static LlamaArchitecture Shape(int hidden, int layers, int heads, int intermediate, int vocab, int trainedLength = 2048, bool tied = true) =>
        new(VocabSize: vocab, HiddenSize: hidden, Layers: layers, Heads: heads, KvHeads: heads, HeadDim: hidden / heads,
            IntermediateSize: intermediate, RmsNormEps: 1e-5, RopeTheta: 10000, TrainedLength: trainedLength, TieWordEmbeddings: tied);
}
