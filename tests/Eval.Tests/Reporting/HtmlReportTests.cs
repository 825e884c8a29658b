using Eval.Core.Results;
using Eval.Reporting;
using Eval.Tests.Fakes;

namespace Eval.Tests.Reporting;

public class HtmlReportTests
{
    string folder = "";

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("html-report-").FullName;
    [TearDown] public void Remove() => Directory.Delete(folder, recursive: true);

    static RunInfo Run => new("r1", "s", "s.yaml", "", DateTime.UnixEpoch, DateTime.UnixEpoch, RunStatus.Completed, StoredCases.Provenance);

    [Test]
    public void Write_EffectiveContextTable_ShowsPerplexityPlusMinusItsErrorAndPasskeyWithItsInterval()
    {
        var data = new ReportData(Run,
        [
            StoredCases.Perplexity("zoo:m", "default", 256, 2.0, 400, 1.0),
            StoredCases.Perplexity("zoo:m", "default", 512, 2.5, 400, null),
            StoredCases.Passkey("zoo:m", "default", 256, 5, 5),
            StoredCases.Passkey("zoo:m", "default", 512, 4, 5),
        ], null);
        string html = File.ReadAllText(HtmlReport.Write(data, [], folder));
        Assert.That(html, Does.Contain("<td>7.39 &#177; 0.37</td>"), "ppl at L0 with its standard error");
        Assert.That(html, Does.Contain("<td>12.18 (error not recorded) @ 512</td>"), "a figure stored before squared NLLs were");
        Assert.That(html, Does.Contain("<td>80% (4/5, 95% CI 38-96%) @ 512</td>"));
    }
}
