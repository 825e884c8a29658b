namespace Eval.Core.Positional;

/// <summary>
/// The one rule tying strategies to how a model was trained (config.json's position_encoding: rope, alibi, kerple,
/// xpos, hwfa, nope, sinusoidal or learned): RoPE strategies run on RoPE models; ALiBi, KERPLE, xPos, HWFA, NoPE and sinusoidal models run as trained;
/// learned tables as trained or stretched (hierarchical); attention sinks on RoPE, ALiBi and NoPE models.
/// </summary>
public static class EncodingRules
{
    /// <summary>
    /// The suite keyword for "the model as its config.json ships it": the checkpoint's rope_scaling block as a strategy
    /// (e.g. llama3 for Llama 3.1, yarn for YaRN models), else <see cref="NativeStrategy"/>. Suites resolve it per model.
    /// </summary>
    public const string Carried = "carried";

    /// <summary>The strategy that evaluates a model exactly as it was trained.</summary>
    public static string NativeStrategy(string encoding) => encoding switch
    {
        "alibi" => "alibi",
        "nope" => "nope",
        "kerple" => "kerple",
        "xpos" => "xpos",
        "hwfa" => "hwfa",
        "sinusoidal" => "sinusoidal",
        "learned" => "learned",
        _ => "default",
    };

    public static bool Fits(PositionalKind kind, string encoding) => encoding switch
    {
        "alibi" => kind is PositionalKind.Alibi or PositionalKind.CacheAttention,
        "nope" => kind is PositionalKind.NoPE or PositionalKind.CacheAttention,
        "kerple" => kind == PositionalKind.Kerple,   // no sinks: their cache slots would need KERPLE's learned biases re-laid
        // xPos's decay is tied to each pair's index and to positions, so frequency strategies (PI, NTK, YaRN) and ReRoPE-style
        // remappings have no defined xPos form, and sinks would need its scales re-laid over cache slots: only as trained.
        "xpos" => kind == PositionalKind.Xpos,
        // HWFA's windowed layers never see a distance past their window, so RoPE strategies have nothing to extend there.
        "hwfa" => kind == PositionalKind.Hwfa,
        "sinusoidal" => kind == PositionalKind.Sinusoidal,
        "learned" => kind == PositionalKind.Learned,
        _ => kind is PositionalKind.Rope or PositionalKind.AttentionRope or PositionalKind.CacheAttention,
    };

    /// <summary>What to do instead, for an error message.</summary>
    public static string Advice(string encoding) => encoding switch
    {
        "rope" => "Use RoPE strategies (or sinks) for it.",
        "learned" => "Give it its own list: strategies: [learned, hierarchical:alpha=0.4].",
        "alibi" or "nope" => $"Give it its own list: strategies: [{NativeStrategy(encoding)}] (sinks:start=4,window=W also runs on it).",
        _ => $"Give it its own list: strategies: [{NativeStrategy(encoding)}].",
    };
}
