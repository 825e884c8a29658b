namespace Eval.Core.Positional;

/// <summary>
/// The one rule tying strategies to how a model was trained (config.json's position_encoding: rope, alibi or nope):
/// RoPE strategies run on RoPE models; ALiBi and NoPE models run only as trained.
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
        _ => "default",
    };

    public static bool Fits(PositionalKind kind, string encoding) => encoding switch
    {
        "alibi" => kind == PositionalKind.Alibi,
        "nope" => kind == PositionalKind.NoPE,
        _ => kind is PositionalKind.Rope or PositionalKind.AttentionRope,
    };

    /// <summary>What to do instead, for an error message.</summary>
    public static string Advice(string encoding) =>
        encoding == "rope" ? "Use RoPE strategies for it." : $"Give it its own list: strategies: [{NativeStrategy(encoding)}].";
}
