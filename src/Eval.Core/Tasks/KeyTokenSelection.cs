using Eval.Core.Corpora;
using Eval.Core.Models;

namespace Eval.Core.Tasks;

/// <summary>
/// keyppl's rule for key tokens, fixed before any result and independent of the model scored (in the spirit of LongPPL,
/// Fang et al. 2024, which scores only tokens that need long context): in a long-range document, the key tokens are the
/// tokens of each verbatim repeat less its first words (at least 8 zoo tokens), i.e. its stored key span. Every model
/// with the same tokenizer, and so every strategy of one model, scores the same tokens.
/// </summary>
public static class KeyTokenSelection
{
    /// <summary>A document as one model scores it: its stream (BOS first when the model has one) and the distance of each key position.</summary>
    public sealed record Selection(int[] Stream, IReadOnlyDictionary<int, int> DistanceAt);

    /// <summary>
    /// Key spans are characters; a span [s, e) covers the stream positions [n(s), n(e)), n(c) being the tokens of the text
    /// before character c (plus BOS). Spans start at a space, where SentencePiece and byte-level BPE tokenize the prefix as
    /// the whole text, so n(c) counts exactly the tokens before the span.
    /// </summary>
    public static Selection Select(ILanguageModel model, LongRangeDocument document)
    {
        int[] stream = PerplexityProtocol.Stream(model.Encode(document.Text), model.BosId);
        int offset = model.BosId is null ? 0 : 1;
        var distanceAt = new Dictionary<int, int>();
        foreach (var repeat in document.Repeats)
        {
            int start = offset + model.Encode(document.Text[..repeat.Key.Start]).Count, end = offset + model.Encode(document.Text[..repeat.Key.End]).Count;
            if (end > stream.Length || start >= end)
                throw new TaskException($"{document.Id}: the key span [{repeat.Key.Start}, {repeat.Key.End}) maps to tokens [{start}, {end}) of a stream of {stream.Length}; the tokenizer does not tokenize the text before it as the whole text.");
            for (int i = start; i < end; i++) distanceAt[i] = repeat.Distance;
        }
        return new Selection(stream, distanceAt);
    }
}
