namespace Eval.Core.Tasks;

/// <summary>
/// The window arithmetic of the three perplexity protocols, over a token stream of N tokens (BOS included when the
/// model has one). Every plan scores each token at most once. With a minimum context M (min_context), a plan scores only
/// tokens with at least M tokens before them in their window, so no figure mixes in tokens predicted from a short prefix.
/// </summary>
public static class WindowPlanner
{
    /// <summary>
    /// HF's and YaRN's sliding window: windows of L start every S tokens; each scores only the tokens no earlier
    /// window scored (the first window all but its first token); the last window ends at the stream's end.
    /// With <paramref name="minContext"/> M, each window scores only from its position max(1, M): the first window
    /// scores [M, L), every later one the tokens after its predecessor's end, which have at least L - S >= M tokens
    /// before them. A stride above L - M would leave tokens between windows unscored, so it is refused (the protocol
    /// lowers its stride to L - M instead).
    /// </summary>
    public static IReadOnlyList<ScoringWindowPlan> Sliding(int streamLength, int window, int stride, int maxWindows = int.MaxValue, int minContext = 0)
    {
        CheckMinContext(window, minContext);
        if (stride < 1 || stride > window - minContext)
            throw new TaskException($"Stride {stride} is not valid for window {window}{(minContext > 0 ? $" and min_context {minContext}" : "")}: it must lie in [1, {window - minContext}].");
        var plans = new List<ScoringWindowPlan>();
        int previousEnd = 0;
        for (int begin = 0; begin < streamLength && plans.Count < maxWindows; begin += stride)
        {
            int end = Math.Min(begin + window, streamLength);
            int firstTarget = Math.Max(Math.Max(1, minContext), previousEnd - begin);
            if (end - begin > firstTarget) plans.Add(new ScoringWindowPlan(begin, end, firstTarget));
            previousEnd = end;
            if (end == streamLength) break;
        }
        return plans;
    }

    /// <summary>
    /// Consecutive non-overlapping windows of L; every token after each window's first is scored (from position M
    /// with a minimum context M: the first M tokens of every chunk then go unscored); a shorter remainder is dropped.
    /// </summary>
    public static IReadOnlyList<ScoringWindowPlan> Chunks(int streamLength, int window, int maxWindows = int.MaxValue, int minContext = 0)
    {
        CheckMinContext(window, minContext);
        return Enumerable.Range(0, Math.Min(maxWindows, streamLength / window))
            .Select(k => new ScoringWindowPlan(k * window, (k + 1) * window, Math.Max(1, minContext))).ToList();
    }

    /// <summary>
    /// llama.cpp's perplexity: non-overlapping windows of L; logits at positions j in [first, L - 1) predict tokens
    /// j + 1, with first = L - ceil(f L) (f = 0.5: llama.cpp's `first = n_ctx/2`, also for odd L), so ceil(f L) - 1
    /// tokens per window are scored. A minimum context M above that start moves it to M.
    /// </summary>
    public static IReadOnlyList<ScoringWindowPlan> Tail(int streamLength, int window, double fraction, int maxWindows = int.MaxValue, int minContext = 0)
    {
        CheckMinContext(window, minContext);
        // Rounded to 9 places first so that e.g. 0.3 x 10 counts as 3, not as the 3.0000000000000004 a double holds.
        int firstTarget = window - (int)Math.Ceiling(Math.Round(fraction * window, 9)) + 1;
        if (fraction is <= 0 or > 1 || firstTarget >= window)
            throw new TaskException($"tail_fraction {fraction} leaves no token to score in a window of {window}.");
        return Chunks(streamLength, window, maxWindows).Select(p => p with { FirstTarget = Math.Max(Math.Max(1, firstTarget), minContext) }).ToList();
    }

    // M = L would score nothing: every token of a window of L has at most L - 1 tokens before it.
    private static void CheckMinContext(int window, int minContext)
    {
        if (minContext < 0 || minContext >= window)
            throw new TaskException($"min_context {minContext} is not valid for window {window}: it must lie in [0, {window - 1}] (a token of a window of {window} has at most {window - 1} tokens before it).");
    }
}
