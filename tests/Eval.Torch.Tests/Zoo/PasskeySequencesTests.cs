using Eval.Core.Runtime;
using Eval.Core.Tasks;
using Eval.Torch.Tokenization;
using Eval.Torch.Zoo;

namespace Eval.Torch.Tests.Zoo;

public class PasskeySequencesTests
{
    [Test]
    public void Next_ManySequences_AreBosPromptAnswerEosWithinBudget()
    {
        var tokenizer = ModelTokenizer.Load(RepositoryPaths.Require("suites/zoo"));
        var sequences = new PasskeySequences(tokenizer);
        var random = new Random(1);
        int fillTheRow = 0;
        for (int i = 0; i < 40; i++)
        {
            var (sequence, answerStart) = sequences.Next(random, 257);
            Assert.That(sequence.Length, Is.LessThanOrEqualTo(257));
            Assert.That(sequence[0], Is.EqualTo(tokenizer.BosId));
            bool full = sequence[^1] != tokenizer.EosId;
            var body = full ? sequence[1..] : sequence[1..^1];
            string text = tokenizer.Decode(body);
            string key = PasskeyPrompt.FirstNumber(text)!;
            Assert.That(key, Has.Length.EqualTo(5));
            Assert.That(text, Does.StartWith(PasskeyPrompt.TaskLine));
            Assert.That(text, Does.Contain(PasskeyPrompt.KeyLine(key)));
            Assert.That(text, Does.EndWith(PasskeyPrompt.Question + " " + key + "."));
            Assert.That(tokenizer.Decode(sequence[answerStart..(body.Length + 1)]).Trim(), Is.EqualTo(key + "."),
                "the answer span is the key and its full stop");
            if (!full) continue;
            fillTheRow++;
            // Where the passkey task at 256 tokens puts them: BOS, prompt and key are the row's first 256 tokens; only the
            // full stop follows.
            Assert.That(sequence, Has.Length.EqualTo(257));
            Assert.That(tokenizer.Decode(sequence[answerStart..256]).Trim(), Is.EqualTo(key), "the key ends at the 256th token");
        }
        // FullLengthShare (half) of the sequences fill the row, so retrieval is trained at exactly the length the task asks at.
        Assert.That(fillTheRow, Is.InRange(12, 28));
    }
}
