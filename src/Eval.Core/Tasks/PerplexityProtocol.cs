using System.Globalization;

namespace Eval.Core.Tasks;

/// <summary>
/// How a perplexity figure cuts a token stream into scored windows: sliding (HF and YaRN), chunks, or tail (llama.cpp's
/// llama-perplexity). One definition for suites and `eval score`, so both read the same parameters with the same
/// defaults and plan the same windows.
/// </summary>
public sealed class PerplexityProtocol
{
    public static readonly string[] Names = ["sliding", "chunks", "tail"];
    public const string DefaultName = "sliding";
    public const int DefaultStride = 256;
    public const double DefaultTailFraction = 0.5;

    /// <summary>The task parameters this reads; a caller accepting only these passes them to <see cref="TaskParameters"/>.</summary>
    public static readonly string[] ParameterKeys = ["protocol", "stride", "tail_fraction", "min_context"];

    private PerplexityProtocol(string name, int stride, double tailFraction, int minContext) =>
        (Name, Stride, TailFraction, MinContext) = (name, stride, tailFraction, minContext);

    public string Name { get; }
    /// <summary>Tokens between sliding windows' starts (0 for the other protocols).</summary>
    public int Stride { get; }
    /// <summary>The scored share of each tail window (0 for the other protocols).</summary>
    public double TailFraction { get; }
    /// <summary>
    /// The fewest tokens a scored token has before it in its window (0: every protocol's own rule). Against first-window
    /// dilution: without it, most tokens of a few sliding windows at long L are scored from the first window, where
    /// their context is short, so the figure hardly depends on how a method handles long context.
    /// </summary>
    public int MinContext { get; }

    /// <summary>Reads protocol, stride (sliding only) and tail_fraction (tail only), defaults included in the canonical form.</summary>
    public static PerplexityProtocol Read(TaskParameters p)
    {
        string name = p.Choice("protocol", DefaultName, Names);
        // A parameter of another protocol would be silently ignored; say so instead.
        foreach (var (key, owner) in new[] { ("stride", "sliding"), ("tail_fraction", "tail") })
            if (p.Has(key) && name != owner)
                p.Problem($"Task \"perplexity\": {key} applies only to protocol {owner}, and protocol is {name}.");
        int stride = name == "sliding" ? p.Integer("stride", DefaultStride, 1) : 0;
        double fraction = name == "tail" ? p.Number("tail_fraction", DefaultTailFraction, 0.0001, 1) : 0;
        // Left out of the canonical form at 0, so cases without it keep their hashes (and stored figures); at M > 0 it is
        // part of the identity, so figures of different M never compare as equal.
        int minContext = p.OptionalInteger("min_context", 0, 0);
        return new PerplexityProtocol(name, stride, fraction, minContext);
    }

    /// <summary>
    /// The stream a document is scored from: BOS first when the model has one, for every protocol (HF tokenizers add
    /// it per document; llama.cpp tokenizes the whole text with BOS before cutting windows).
    /// </summary>
    public static int[] Stream(IReadOnlyList<int> ids, int? bos) => bos is int b ? [b, .. ids] : [.. ids];

    /// <summary>
    /// The problem with scoring at <paramref name="length"/>, or null: a window of L has no token with M tokens before
    /// it unless M &lt; L. Suites report it at validation, naming the task and field.
    /// </summary>
    public string? LengthProblem(string task, int length) =>
        MinContext >= length ? $"Task \"{task}\": min_context={MinContext} needs every length above {MinContext}, and length {length} is not (a token of a window of {length} has at most {length - 1} tokens before it)." : null;

    /// <summary>
    /// Sliding's stride as applied at <paramref name="length"/>: at most L, and at most L - M, since a longer step would
    /// leave tokens between windows that no window may score.
    /// </summary>
    public int StrideAt(int length) => Math.Min(Stride, length - MinContext);

    /// <summary>At most <paramref name="maxWindows"/> windows of <paramref name="length"/> over a stream of <paramref name="streamLength"/> tokens.</summary>
    public IReadOnlyList<ScoringWindowPlan> Plan(int streamLength, int length, int maxWindows = int.MaxValue)
    {
        if (LengthProblem("perplexity", length) is string problem) throw new TaskException(problem);
        return Name switch
        {
            "sliding" => WindowPlanner.Sliding(streamLength, length, StrideAt(length), maxWindows, MinContext),
            "tail" => WindowPlanner.Tail(streamLength, length, TailFraction, maxWindows, MinContext),
            _ => WindowPlanner.Chunks(streamLength, length, maxWindows, MinContext),
        };
    }

    /// <summary>
    /// The tokens of one planned window. For tail, BOS (when the model has one) overwrites the window's first token,
    /// as llama.cpp writes BOS over the first token of every chunk of its BOS-prefixed stream: window k at L therefore
    /// starts with BOS in place of the text's token kL - 1.
    /// </summary>
    public int[] WindowTokens(int[] stream, ScoringWindowPlan plan, int? bos)
    {
        int[] tokens = stream[plan.Start..plan.End];
        if (Name == "tail" && bos is int b) tokens[0] = b;
        return tokens;
    }

    /// <summary>What is stored with every figure: the protocol, its parameters as applied (stride at most L - M), the minimum context and where BOS goes.</summary>
    public string Describe(int length, bool bos) => Name switch
    {
        "sliding" => $"sliding window={length} stride={StrideAt(length)}",
        "tail" => string.Create(CultureInfo.InvariantCulture, $"tail window={length} scored_fraction={TailFraction}"),
        _ => $"chunks window={length}",
    } + (MinContext > 0 ? $" min_context={MinContext}" : "") + $" bos={(bos ? (Name == "tail" ? "stream-and-window-start" : "document-start") : "none")}";
}
