using System.IO.Compression;
using System.Text;
using Eval.Core.Corpora;
using Eval.Core.Positional;
using Eval.Core.Runtime;
using Eval.Core.Tasks;
using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Tasks;

/// <summary>
/// The tail protocol against figures another implementation printed: llama.cpp's llama-perplexity (commit c392e50,
/// `-c L -b L --chunks 40 -t 2 -ctk f32 -ctv f32`) on zoo:rope-10k converted to an f32 GGUF, scoring the first
/// 61,440 bytes of carroll-alice (issue 22). llama.cpp prints 4 decimals; the harness must give the same 4.
/// </summary>
public class LlamaCppAgreementTests
{
    const int TextBytes = 61_440;

    static Document AliceOpening()
    {
        using var gzip = new GZipStream(File.OpenRead(RepositoryPaths.Require("suites/corpora/eval/carroll-alice.txt.gz")), CompressionMode.Decompress);
        var bytes = new byte[TextBytes];
        gzip.ReadExactly(bytes);
        return new Document("carroll-alice-61440", Encoding.UTF8.GetString(bytes));
    }

    static TorchLanguageModel RopeTenK() => TorchLanguageModel.Load(RepositoryPaths.Require("suites/zoo/rope-10k"), ScalarType.Float32);

    [Test]
    public void Stream_AliceOpening_Is22295TokensOfTextAfterBos()
    {
        using var model = RopeTenK();
        var ids = model.Encode(AliceOpening().Text);
        Assert.That(ids, Has.Count.EqualTo(22_295), "the tokenization llama.cpp reported");
        Assert.That(PerplexityProtocol.Stream(ids, model.BosId), Is.EqualTo(new[] { model.BosId!.Value }.Concat(ids)));
    }

    // 40 chunks fit at 256 (22,296 / 256 = 87 with BOS); at 1024 only 22,296 / 1024 = 21 do, so llama.cpp scored 21 there.
    [TestCase(256, "default", 40, 276.5776)]
    [TestCase(1024, "yarn:factor=4", 21, 381.4128)]
    public void Tail_AliceOpeningWithFortyChunks_GivesLlamaCppsPerplexityToFourDecimals(int length, string strategy, int windows, double llamaCpp)
    {
        using var model = RopeTenK();
        model.Strategy = StrategyRegistry.Create(strategy);
        var document = AliceOpening();
        var task = new PerplexityTask(new Dictionary<string, string> { ["protocol"] = "tail", ["documents"] = "1", ["windows"] = "40" }, () => [document]);
        var result = task.Run(model, length, seed: 1, null, CancellationToken.None);

        Assert.That(result.Protocol, Does.Contain($"windows={windows} tokens_scored={windows * (length / 2 - 1)}"));
        Assert.That(Math.Round(result.Metrics.Single(m => m.Name == "ppl").Value, 4), Is.EqualTo(llamaCpp));
    }
}
