using Eval.Core.Tasks;
using Eval.Torch.Tokenization;

namespace Eval.Torch.Zoo;

/// <summary>
/// Passkey-format training sequences: BOS, a prompt of the passkey task fitted to a random length and depth,
/// then " KEY." and EOS (cut after the full stop when the row is full), so the model learns to answer the question the
/// passkey task will ask, at the positions where it will ask it. The answer's
/// position is returned too, so the trainer can weight the few tokens that need long-range retrieval.
/// </summary>
public sealed class PasskeySequences(ModelTokenizer tokenizer, int digits = 5)
{
    /// <summary>
    /// Share of sequences that fill the whole row; the rest have a uniform length from 48 tokens up. The passkey task
    /// asks at exactly the training length, and with uniform lengths alone the NoPE model (which must infer order from
    /// the causal mask) retrieved every key at 192 tokens but only 89% at 240.
    /// </summary>
    public const double FullLengthShare = 0.5;

    /// <remarks>
    /// A full-length row is laid out as the task asks at the row's length: BOS, prompt and key fill the first
    /// <c>maxTokens - 1</c> tokens (the inputs), so the key's last token is the last target the task scores, and only the
    /// full stop follows (EOS falls outside). Ending the row with " KEY." and EOS instead put the key two tokens early:
    /// models with relative positions did not care, but the absolute-position pair retrieved 100% at 254 tokens and about
    /// half at 256, having never seen a key digit at the positions the task asks for.
    /// </remarks>
    public (int[] Tokens, int AnswerStart) Next(Random random, int maxTokens)
    {
        string key = random.NextInt64((long)Math.Pow(10, digits - 1), (long)Math.Pow(10, digits)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int bosTokens = tokenizer.BosId is null ? 0 : 1;
        // The key's tokens after the question, counted as the passkey task counts them.
        int keyTokens = tokenizer.Encode(PasskeyPrompt.Question + " " + key).Count - tokenizer.Encode(PasskeyPrompt.Question).Count;
        int longest = maxTokens - 1 - bosTokens - keyTokens;
        int target = random.NextDouble() < FullLengthShare ? longest : random.Next(Math.Min(48, longest), longest + 1);
        var (prompt, _) = PasskeyPrompt.Fit(key, target, random.NextDouble(), text => tokenizer.Encode(text).Count);
        var sequence = new List<int>();
        if (tokenizer.BosId is int bosId) sequence.Add(bosId);
        var promptIds = tokenizer.Encode(prompt);
        var full = tokenizer.Encode(prompt + " " + key + ".");
        int shared = 0;
        while (shared < Math.Min(promptIds.Count, full.Count) && promptIds[shared] == full[shared]) shared++;
        sequence.AddRange(full);
        if (tokenizer.EosId is int eos) sequence.Add(eos);
        return (sequence.Take(maxTokens).ToArray(), sequence.Count - full.Count + shared);
    }
}
