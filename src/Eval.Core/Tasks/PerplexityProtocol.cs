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
    public static readonly string[] ParameterKeys = ["protocol", "stride", "tail_fraction"];

    private PerplexityProtocol(string name, int stride, double tailFraction) => (Name, Stride, TailFraction) = (name, stride, tailFraction);

    public string Name { get; }
    /// <summary>Tokens between sliding windows' starts (0 for the other protocols).</summary>
    public int Stride { get; }
    /// <summary>The scored share of each tail window (0 for the other protocols).</summary>
    public double TailFraction { get; }

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
        return new PerplexityProtocol(name, stride, fraction);
    }

    /// <summary>
    /// The stream a document is scored from: BOS first when the model has one, for every protocol (HF tokenizers add
    /// it per document; llama.cpp tokenizes the whole text with BOS before cutting windows).
    /// </summary>
    public static int[] Stream(IReadOnlyList<int> ids, int? bos) => bos is int b ? [b, .. ids] : [.. ids];

    /// <summary>At most <paramref name="maxWindows"/> windows of <paramref name="length"/> over a stream of <paramref name="streamLength"/> tokens.</summary>
    public IReadOnlyList<ScoringWindowPlan> Plan(int streamLength, int length, int maxWindows = int.MaxValue) => Name switch
    {
        "sliding" => WindowPlanner.Sliding(streamLength, length, Math.Min(Stride, length), maxWindows),
        "tail" => WindowPlanner.Tail(streamLength, length, TailFraction, maxWindows),
        _ => WindowPlanner.Chunks(streamLength, length, maxWindows),
    };

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

    /// <summary>What is stored with every figure: the protocol, its parameters as applied (stride at most L) and where BOS goes.</summary>
    public string Describe(int length, bool bos) => Name switch
    {
        "sliding" => $"sliding window={length} stride={Math.Min(Stride, length)}",
        "tail" => string.Create(CultureInfo.InvariantCulture, $"tail window={length} scored_fraction={TailFraction}"),
        _ => $"chunks window={length}",
    } + $" bos={(bos ? (Name == "tail" ? "stream-and-window-start" : "document-start") : "none")}";
}
