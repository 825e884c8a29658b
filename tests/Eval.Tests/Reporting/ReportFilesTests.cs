using System.Text;
using Eval.Reporting;

namespace Eval.Tests.Reporting;

public class ReportFilesTests
{
    [Test]
    public void Chart_NamesThatSlugAlike_GetDifferentFiles()
    {
        Assert.That(ReportFiles.Chart("tune:pi.2", "ppl"), Is.Not.EqualTo(ReportFiles.Chart("tune:pi-2", "ppl")));
        Assert.That(ReportFiles.Chart("a-b", "c"), Is.Not.EqualTo(ReportFiles.Chart("a", "b-c")), "parts are hashed apart, not joined");
    }

    [Test]
    public void Chart_ZooModel_KeepsAReadableSlugWithoutThePrefixAndAStableHash()
    {
        Assert.That(ReportFiles.Chart("zoo:rope-10k", "ppl"), Does.Match(@"^rope_10k-ppl-[0-9a-f]{8}\.png$"));
        Assert.That(ReportFiles.Chart("zoo:rope-10k", "ppl"), Is.EqualTo(ReportFiles.Chart("zoo:rope-10k", "ppl")));
    }

    [TestCase(300, 'm')]
    [TestCase(300, '模')]
    [TestCase(300, '\u001b')]
    public void Chart_LongOrForeignName_IsShortAsciiAndPortable(int length, char c)
    {
        string file = ReportFiles.Chart("/models/" + new string(c, length), "heatmap", "yarn:factor=2");
        Assert.That(Encoding.UTF8.GetByteCount(file), Is.LessThanOrEqualTo(ReportFiles.SlugLength + 13));
        Assert.That(file, Does.Match(@"^[a-z0-9_\-]+\.png$"));
    }

    [Test]
    public void Chart_NameWithNothingReadable_StillStartsWithALetter() =>
        Assert.That(ReportFiles.Chart("模型"), Does.Match(@"^chart-[0-9a-f]{8}\.png$"));
}
