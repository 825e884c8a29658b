using Eval.Core.Positional;

namespace Eval.Core.Models;

/// <summary>
/// What tasks need from a model (lm-evaluation-harness's LM, cut to our needs): encode text, score windows,
/// and greedily generate a few tokens. One instance holds one model's weights; <see cref="Strategy"/> chooses
/// the positional strategy used by every later call, so weights load once and strategies switch cheaply.
/// </summary>
public interface ILanguageModel : IDisposable
{
    /// <summary>The context length the model was trained on (L0): max_position_embeddings or its original value.</summary>
    int TrainedLength { get; }

    /// <summary>Beginning-of-sequence token, when the model's tokenizer defines one.</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence token, when the model's tokenizer defines one.</summary>
    int? EosId { get; }

    /// <summary>The positional strategy used by every later call. Setting it never changes weights.</summary>
    IPositionalStrategy Strategy { get; set; }

    /// <summary>Tokenizes text with the model's own tokenizer, without adding BOS or EOS.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Turns token ids back into text.</summary>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>
    /// Scores windows: each window is one forward pass over its tokens (position 0 = its first token), and
    /// every token at index i &gt;= FirstTarget is predicted from tokens [0, i). Windows of equal length may be
    /// batched together. Returns one <see cref="WindowScores"/> per window, in order.
    /// </summary>
    IReadOnlyList<WindowScores> Score(IReadOnlyList<ScoringWindow> windows);

    /// <summary>Greedy decoding with a KV cache: up to <paramref name="maxNewTokens"/> tokens after the prompt, stopping at EOS.</summary>
    IReadOnlyList<int> GenerateGreedy(IReadOnlyList<int> prompt, int maxNewTokens);
}

/// <summary>One forward pass over a window of tokens.</summary>
/// <param name="Tokens">The window; position 0 is its first token.</param>
/// <param name="FirstTarget">Index of the first scored token (at least 1); every later token is scored too.</param>
/// <param name="WithRanks">Also compute each target's rank among all vocabulary entries (0 = the argmax).</param>
public sealed record ScoringWindow(int[] Tokens, int FirstTarget, bool WithRanks = false);

/// <summary>
/// Per-target results of one window. <see cref="Nll"/>[j] is -log p(token[FirstTarget + j] | prefix), in nats,
/// computed in fp32 or better. <see cref="Ranks"/> is null unless requested.
/// </summary>
public sealed record WindowScores(float[] Nll, int[]? Ranks);
