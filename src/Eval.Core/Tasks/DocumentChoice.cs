namespace Eval.Core.Tasks;

/// <summary>
/// Which documents a corpus task scores at a length: the first of one seeded order whose stream holds that many tokens,
/// so every length, strategy and task (perplexity, keyppl) of a suite sees the same text where it can.
/// </summary>
public static class DocumentChoice
{
    /// <param name="streamLength">Tokens of a document's stream as the model scores it (BOS included).</param>
    public static List<T> FirstLongEnough<T>(IReadOnlyList<T> all, Func<T, int> streamLength, int length, int seed, int maxDocuments)
    {
        var random = new Random(seed);
        var order = all.Select(d => (Document: d, Key: random.NextDouble())).ToList().OrderBy(x => x.Key).Select(x => x.Document);
        var chosen = new List<T>();
        int longest = 0;
        foreach (var document in order)
        {
            int tokens = streamLength(document);
            longest = Math.Max(longest, tokens);
            if (tokens < length) continue;
            chosen.Add(document);
            if (chosen.Count == maxDocuments) break;
        }
        if (chosen.Count == 0)
            throw new TaskException($"No document has {length} tokens; the longest of {all.Count} has {longest}.");
        return chosen;
    }
}
