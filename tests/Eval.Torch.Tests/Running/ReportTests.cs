using Eval.Cli;
using Eval.Reporting;
using Microsoft.Data.Sqlite;

namespace Eval.Torch.Tests.Running;

/// <summary>`eval report` and `eval compare` on stored runs of the tiny suite.</summary>
public class ReportTests : TinySuiteTests
{
    static (int Width, int Height) PngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.That(bytes[..8], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{path} is a PNG");
        int Read(int offset) => (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
        return (Read(16), Read(20));
    }

    [Test]
    public void Report_AfterRun_WritesSelfContainedHtmlAndRealCharts()
    {
        Eval("run", suitePath, "--db", Db());
        string folder = Path.Combine(root, "report");
        var (exit, output, error) = Eval("report", "--db", Db(), "--out", folder);
        Assert.That(exit, Is.EqualTo(0), error);
        string html = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.That(html, Does.Contain("Effective context").And.Contain("Failed cases").And.Contain("longrope"));
        Assert.That(html, Does.Not.Contain("src=\"http"), "no external resources");
        var pngs = Directory.GetFiles(folder, "*.png");
        Assert.That(pngs.Select(Path.GetFileName), Is.SupersetOf(new[] { ReportFiles.Chart("zoo:tiny", "ppl"), ReportFiles.Chart("zoo:tiny", "passkey"), ReportFiles.Chart("zoo:tiny", "position"), "cost-speed.png", "positional-decay.png" }));
        foreach (string png in pngs)
        {
            Assert.That(PngSize(png), Is.EqualTo((900, 520)));
            Assert.That(new FileInfo(png).Length, Is.GreaterThan(10_000), $"{png} has content");
            Assert.That(html, Does.Contain(Convert.ToBase64String(File.ReadAllBytes(png))[..100]), $"{png} is embedded");
        }
        Assert.That(output, Does.Contain("report.html"));
    }

    [Test]
    public void Report_InHeadlessChromium_EveryImageDecodes()
    {
        Assert.That(Fixtures.HeadlessChromium.Executable, Is.Not.Null, "chromium is installed by .ci/run (apt-get install chromium)");
        Eval("run", suitePath, "--db", Db());
        string folder = Path.Combine(root, "report");
        Eval("report", "--db", Db(), "--out", folder);
        // The report has no scripts of its own; a copy with one appended reports each image's decoded width.
        string probe = Path.Combine(folder, "probe.html");
        File.WriteAllText(probe, File.ReadAllText(Path.Combine(folder, "report.html")).Replace("</body>",
            "<script>window.addEventListener('load', () => { const p = document.createElement('pre'); p.id = 'widths';" +
            " p.textContent = [...document.images].map(i => i.complete ? i.naturalWidth : -1).join(','); document.body.appendChild(p); });</script></body>"));
        string dom = Fixtures.HeadlessChromium.Run(probe, "--dump-dom");
        var match = System.Text.RegularExpressions.Regex.Match(dom, "<pre id=\"widths\">([^<]*)</pre>");
        Assert.That(match.Success, Is.True, "the page loaded and ran the probe");
        int[] widths = match.Groups[1].Value.Split(',').Select(int.Parse).ToArray();
        Assert.That(widths, Has.Length.EqualTo(Directory.GetFiles(folder, "*.png").Length));
        Assert.That(widths, Has.All.EqualTo(900), "every embedded PNG decoded at its full width");

        string screenshot = Path.Combine(folder, "screenshot.png");
        Fixtures.HeadlessChromium.Run(Path.Combine(folder, "report.html"), $"--screenshot={screenshot}", "--window-size=1280,2400");
        Assert.That(new FileInfo(screenshot).Length, Is.GreaterThan(50_000), "a screenshot of the rendered report");
        TestContext.AddTestAttachment(screenshot);
    }

    [Test]
    public void Compare_SameFigures_NoRegression_ThenWorsePerplexity_ExitsThree()
    {
        Eval("run", suitePath, "--db", Db());
        Eval("run", suitePath, "--db", Db(), "--force");
        var same = Eval("compare", "--db", Db());
        Assert.That(same.Exit, Is.EqualTo(ExitCodes.Ok), same.Out + same.Err);
        Assert.That(same.Out, Does.Contain("no regression"));

        using (var connection = new SqliteConnection($"Data Source={Db()};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE metrics SET value = value * 1.2 WHERE name = 'ppl' AND case_id IN
                (SELECT id FROM cases WHERE run_id = (SELECT id FROM runs ORDER BY started_at DESC LIMIT 1) AND context_length = 192)
                """;
            Assert.That(command.ExecuteNonQuery(), Is.GreaterThan(0));
        }
        var worse = Eval("compare", "--db", Db(), "--baseline", "previous", "--candidate", "latest", "--out", Path.Combine(root, "cmp"));
        Assert.That(worse.Exit, Is.EqualTo(ExitCodes.Regression), worse.Out + worse.Err);
        Assert.That(worse.Out, Does.Contain("REGRESSION tiny").Or.Contain("REGRESSION zoo:tiny"));
        Assert.That(File.ReadAllText(Path.Combine(root, "cmp", "report.html")), Does.Contain("regressions found"));
        Assert.That(Eval("compare", "--db", Db(), "--tolerance", "0.5").Exit, Is.EqualTo(ExitCodes.Ok), "within a 50% tolerance");
    }

    [Test]
    public void Compare_FirstRun_HasNothingToCompareAndSucceeds()
    {
        Eval("run", suitePath, "--db", Db());
        var (exit, output, _) = Eval("compare", "--db", Db());
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain("no earlier run of suite tiny"));
    }

    [Test]
    public void Report_UnknownRun_ExitsTwoListingRuns()
    {
        Eval("run", suitePath, "--db", Db());
        var (exit, _, error) = Eval("report", "--db", Db(), "--run", "nope");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain("no run \"nope\""));
    }
}
