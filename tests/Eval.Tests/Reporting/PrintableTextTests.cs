using Eval.Reporting;

namespace Eval.Tests.Reporting;

public class PrintableTextTests
{
    [TestCase("zoo:rope-10k | yarn:factor=2 | 256 | perplexity")]
    [TestCase(@"C:\models\épée 模型")]
    [TestCase("")]
    public void Of_OrdinaryText_IsUnchanged(string text) => Assert.That(PrintableText.Of(text), Is.EqualTo(text));

    [TestCase("a\u001b[2Jb", @"a\x1b[2Jb")]
    [TestCase("a\nb\r\tc", @"a\nb\r\tc")]
    [TestCase("bell\u0007 del\u007f nel\u0085", @"bell\x07 del\x7f nel\x85")]
    [TestCase("rtl\u202egnp.exe line\u2028sep", @"rtl\u202egnp.exe line\u2028sep")]
    public void Of_ControlCharacters_AreShownVisibly(string text, string expected) => Assert.That(PrintableText.Of(text), Is.EqualTo(expected));

    [Test]
    public void Of_Null_IsEmpty() => Assert.That(PrintableText.Of(null), Is.EqualTo(""));

    [Test]
    public void Lines_MessageOfSeveralLines_KeepsItsLinesAndEscapesWithinThem() =>
        Assert.That(PrintableText.Lines("--from: bad \u001b[2J\n--steps: bad"), Is.EqualTo(new[] { @"--from: bad \x1b[2J", "--steps: bad" }));
}
