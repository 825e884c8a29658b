namespace Eval.Core.Corpora;

/// <summary>
/// One verbatim repeat of a long-range document, as character offsets into its text. <see cref="Key"/> is the part of
/// the repeat whose tokens keyppl scores: the repeat less its first words (about <see cref="LongRangeCorpus.SkippedTokens"/>
/// tokens), which no model can predict before it has seen which passage repeats.
/// </summary>
/// <param name="Distance">The planned distance, one of <see cref="LongRangeCorpus.Distances"/>.</param>
/// <param name="TokensApart">Zoo-tokenizer tokens from each source token to its copy (word-aligned, so at most a word short of Distance).</param>
public sealed record RepeatSpan(int Distance, int TokensApart, int PassageTokens, (int Start, int End) Source, (int Start, int End) Repeat, (int Start, int End) Key);

/// <summary>A long-range document: held-out text with passages repeated verbatim at planned distances.</summary>
public sealed record LongRangeDocument(string Id, string Text, IReadOnlyList<RepeatSpan> Repeats);

/// <summary>
/// Builds the long-range corpus (suites/corpora/longrange) from held-out text: a passage of 64-128 tokens is copied
/// verbatim so that each copied token lies d tokens after its source, d in <see cref="Distances"/>. A model predicts a
/// copy well only when d fits in its context, so perplexity on the copies (keyppl) tells apart methods that use long
/// context from those that only survive it. Deterministic: same text, tokenizer and seed, same bytes.
/// </summary>
/// <remarks>
/// Text is cut into words at whitespace and joined by single spaces, so a word's tokens are the same wherever it stands
/// (SentencePiece and byte-level BPE never merge across a space) and distances in tokens are exact sums over words.
/// </remarks>
public static class LongRangeCorpus
{
    public static readonly int[] Distances = [128, 256, 512, 1024, 2048, 4096];
    public const int MinPassage = 64, MaxPassage = 128;
    /// <summary>The first words of a copy (at least this many tokens) are not key tokens: they cannot yet be known to repeat.</summary>
    public const int SkippedTokens = 8;
    /// <summary>Tokens of plain text between two copies: at least this, at most twice this.</summary>
    public const int Spacing = 384;
    /// <summary>Each document stops at this many tokens: enough for several copies at 4096, small enough to ship (&lt; 2 MB).</summary>
    public const int MaxTokens = 12288;
    public const int Seed = 31;

    /// <param name="wordTokens">Tokens of one word (no spaces) as it stands after a space in running text.</param>
    public static LongRangeDocument Build(Document source, Func<string, int> wordTokens, Random random)
    {
        string[] words = source.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var output = new List<string>();
        var tokenStart = new List<int>(); // token index of each output word's first token
        var repeats = new List<(int Distance, int From, int To, int Copy)>(); // output word indices: source [From, To), copy from Copy
        var copied = new List<(int Start, int End)>(); // token ranges of copies, which no later source may overlap
        var pending = new List<int>();
        int total = 0, sinceCopy = 0, gap = Spacing + random.Next(Spacing + 1);

        void Append(string word)
        {
            output.Add(word);
            tokenStart.Add(total);
            total += wordTokens(word);
        }

        for (int i = 0; i < words.Length && total < MaxTokens; i++)
        {
            int before = total;
            Append(words[i]);
            sinceCopy += total - before;
            if (sinceCopy < gap || total >= MaxTokens) continue;
            if (pending.Count == 0) pending.AddRange(Distances.OrderBy(_ => random.Next()));
            int target = MinPassage + random.Next(MaxPassage - MinPassage + 1);
            foreach (int d in pending)
            {
                if (Passage(d, target) is not (int from, int to)) continue;
                int copy = output.Count, start = total;
                for (int w = from; w < to; w++) Append(output[w]);
                repeats.Add((d, from, to, copy));
                copied.Add((start, total));
                pending.Remove(d);
                (sinceCopy, gap) = (0, Spacing + random.Next(Spacing + 1));
                break;
            }
        }

        // The words [from, to) whose copy, appended now, lies about d tokens after them: from is the first word at least
        // d tokens back; the passage takes words until it holds the target tokens, ends before the copy and overlaps no copy.
        (int, int)? Passage(int d, int target)
        {
            int from = tokenStart.FindIndex(t => t >= total - d);
            if (total - d <= 0 || from < 0) return null; // from >= 1: a span starts at the space before its first word
            int to = from, tokens = 0;
            while (to < output.Count && tokens < target) { tokens += TokensOf(to); to++; }
            int end = tokenStart[from] + tokens;
            if (tokens < MinPassage || tokens > MaxPassage + 16 || end > total) return null;
            return copied.Any(c => c.Start < end && tokenStart[from] < c.End) ? null : (from, to);
        }
        int TokensOf(int w) => (w + 1 < tokenStart.Count ? tokenStart[w + 1] : total) - tokenStart[w];

        // Characters: words joined by single spaces; a span starts at the space before its first word, so the text before
        // it tokenizes as it does inside the whole text.
        var charStart = new int[output.Count];
        for (int w = 1; w < output.Count; w++) charStart[w] = charStart[w - 1] + output[w - 1].Length + 1;
        (int, int) Span(int from, int to) => (charStart[from] - 1, charStart[to - 1] + output[to - 1].Length);
        var spans = repeats.Select(r =>
        {
            int skip = r.Copy, skipped = 0;
            while (skipped < SkippedTokens) skipped += TokensOf(skip++);
            int length = r.To - r.From;
            return new RepeatSpan(r.Distance, tokenStart[r.Copy] - tokenStart[r.From], tokenStart[r.Copy + length - 1] + TokensOf(r.Copy + length - 1) - tokenStart[r.Copy],
                Span(r.From, r.To), Span(r.Copy, r.Copy + length), Span(skip, r.Copy + length));
        }).ToList();
        return new LongRangeDocument(source.Id, string.Join(" ", output), spans);
    }

    /// <summary>The corpus: one document per held-out document, in order, from one seeded random stream.</summary>
    public static IReadOnlyList<LongRangeDocument> Build(IReadOnlyList<Document> heldout, Func<string, int> wordTokens)
    {
        var random = new Random(Seed);
        return heldout.Select(d => Build(d, wordTokens, random)).ToList();
    }
}
