namespace Eval.Core.Tuning;

/// <summary>
/// What a fine-tuning trains, declared once: every weight, or low-rank adapters on the attention projections plus any
/// of the token embeddings and the norms (LongLoRA's LoRA+ and its ablations). The recipe, the memory estimate and the
/// fine-tuner read it; a new method is one line in <see cref="All"/>.
/// </summary>
/// <param name="Adapters">LoRA adapters on q, k, v, o train; false: every weight trains (full fine-tuning).</param>
/// <param name="Embeddings">The token embeddings train; a tied output head is untied first and stays frozen, as LongLoRA's.</param>
/// <param name="Norms">Every norm's weight trains.</param>
public sealed record TuningMethod(string Name, bool Adapters, bool Embeddings, bool Norms)
{
    public static readonly TuningMethod Full = new("full", Adapters: false, Embeddings: false, Norms: false);

    public static IReadOnlyList<TuningMethod> All { get; } =
    [
        Full,
        new("lora", Adapters: true, Embeddings: false, Norms: false),
        new("lora-plus", Adapters: true, Embeddings: true, Norms: true),
        new("lora+embed", Adapters: true, Embeddings: true, Norms: false),
        new("lora+norm", Adapters: true, Embeddings: false, Norms: true),
    ];

    public static TuningMethod Named(string name) => All.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"Unknown tuning method \"{name}\". Known: {string.Join(", ", All.Select(m => m.Name))}.");
}
