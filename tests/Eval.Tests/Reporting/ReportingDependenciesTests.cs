using Eval.Core.Results;
using Eval.Reporting;

namespace Eval.Tests.Reporting;

/// <summary>Dependencies point one way: Cli -> {Torch, Storage, Reporting} -> Core. Reporting reads results, not the store.</summary>
public class ReportingDependenciesTests
{
    [Test]
    public void Reporting_ReferencedAssemblies_AreCoreAndScottPlotNotStorage()
    {
        var references = typeof(ReportData).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.That(references, Does.Contain("Eval.Core"));
        Assert.That(references, Has.None.StartsWith("Eval.Storage").And.None.StartsWith("Eval.Torch").And.None.StartsWith("Eval.Cli"));
    }

    [Test]
    public void SharedRecords_LiveInCore()
    {
        Type[] shared = [typeof(CaseResult), typeof(RunInfo), typeof(Provenance), typeof(CaseStatus), typeof(RunStatus)];
        Assert.That(shared.Select(t => t.Assembly.GetName().Name).Distinct(), Is.EqualTo(new[] { "Eval.Core" }));
    }
}
