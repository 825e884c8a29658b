using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>Sinusoidal and learned absolute positions, and Su's hierarchical stretch of a learned table.</summary>
public class AbsolutePositionsTests
{
    static LlamaArchitecture Learned(int rows = 16) => TinyCheckpoint.Architecture(PositionEncoding.Learned, trainedLength: rows);

    static Tensor Vectors(LlamaArchitecture a, Tensor? table, string strategy, int offset, int count) =>
        AbsolutePositions.Vectors(a, table, StrategyRegistry.Create(strategy), offset, count, ScalarType.Float64, CPU);

    [Test]
    public void Sinusoids_ForDimensionFour_AreVaswanisFormulaInterleaved()
    {
        // PE(p, 2i) = sin(p / 10000^(2i/4)), PE(p, 2i+1) = cos(...): frequencies 1 and 1/100.
        using var scope = NewDisposeScope();
        var pe = AbsolutePositions.Sinusoids(arange(3, dtype: ScalarType.Int64), 4);
        double[] expected =
        [
            0, 1, 0, 1,
            Math.Sin(1), Math.Cos(1), Math.Sin(0.01), Math.Cos(0.01),
            Math.Sin(2), Math.Cos(2), Math.Sin(0.02), Math.Cos(0.02),
        ];
        Assert.That(pe.flatten().data<double>().ToArray(), Is.EqualTo(expected).Within(1e-12));
    }

    [Test]
    public void Learned_WithinTheTable_IsItsRows_AndPastItIsNotApplicable()
    {
        using var scope = NewDisposeScope();
        var table = randn(16, 32, dtype: ScalarType.Float64);
        Assert.That(Vectors(Learned(), table, "learned", 10, 6).allclose(table[TensorIndex.Slice(10, 16)], rtol: 0, atol: 0), Is.True);
        var e = Assert.Throws<NotApplicableException>(() => Vectors(Learned(), table, "learned", 10, 7));
        Assert.That(e!.Message, Does.Contain("16 rows").And.Contain("position 16").And.Contain("hierarchical"));
    }

    [Test]
    public void Hierarchical_IsSusDecomposition_WrittenOut()
    {
        using var scope = NewDisposeScope();
        const double alpha = 0.4;
        var table = randn(16, 32, dtype: ScalarType.Float64);
        var v = Vectors(Learned(), table, "hierarchical:alpha=0.4", 0, 40);                   // (40, 32)
        // Inside the table: the trained rows themselves.
        Assert.That(v[TensorIndex.Slice(0, 16)].allclose(table, rtol: 0, atol: 1e-12), Is.True);
        // Position 2 x 16 + 3 = 35: alpha u_2 + (1 - alpha) u_3 with u_i = (p_i - alpha p_0) / (1 - alpha).
        var p = table;
        var u2 = (p[2] - alpha * p[0]) / (1 - alpha);
        var u3 = (p[3] - alpha * p[0]) / (1 - alpha);
        Assert.That(v[35].allclose(alpha * u2 + (1 - alpha) * u3, rtol: 0, atol: 1e-12), Is.True);
        // Position 16 = 1 x 16 + 0: alpha u_1 + (1 - alpha) u_0 = alpha (p_1 - alpha p_0) / (1 - alpha) + (1 - alpha) p_0.
        Assert.That(v[16].allclose(alpha * (p[1] - alpha * p[0]) / (1 - alpha) + (1 - alpha) * p[0], rtol: 0, atol: 1e-12), Is.True);
    }

    [Test]
    public void Hierarchical_PastTheTableSquared_IsNotApplicable()
    {
        using var scope = NewDisposeScope();
        var table = randn(4, 32, dtype: ScalarType.Float64);
        Assert.That(Vectors(Learned(4), table, "hierarchical:alpha=0.4", 15, 1).shape[0], Is.EqualTo(1));
        Assert.Throws<NotApplicableException>(() => Vectors(Learned(4), table, "hierarchical:alpha=0.4", 15, 2));
    }

    [Test]
    public void LearnedModel_ScoresItsTrainingLength_ButNotOneMore_WhileHierarchicalDoes()
    {
        using var scope = NewDisposeScope();
        using var model = TinyCheckpoint.RandomModel(Learned());
        using var noGrad = no_grad();
        manual_seed(2);
        var ids = randint(3, 4096, [1, 17], dtype: ScalarType.Int64);
        var inTable = model.Logits(model.Hidden(ids[.., TensorIndex.Slice(0, 16)], StrategyRegistry.Create("learned")));
        Assert.Throws<NotApplicableException>(() => model.Hidden(ids, StrategyRegistry.Create("learned")));
        var stretched = model.Logits(model.Hidden(ids, StrategyRegistry.Create("hierarchical:alpha=0.4")));
        // Causal: the first 16 positions read exactly their trained rows, so their logits are the learned model's.
        Assert.That(stretched[.., TensorIndex.Slice(0, 16)].allclose(inTable, rtol: 1e-4, atol: 1e-5), Is.True);
    }

    [Test]
    public void SinusoidalModel_ContinuesPastItsTrainingLength_AndPositionsMatter()
    {
        using var scope = NewDisposeScope();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(PositionEncoding.Sinusoidal, trainedLength: 16));
        using var noGrad = no_grad();
        manual_seed(2);
        var ids = randint(3, 4096, [1, 48], dtype: ScalarType.Int64);
        var logits = model.Logits(model.Hidden(ids, StrategyRegistry.Create("sinusoidal")));
        Assert.That(logits.isfinite().all().item<bool>(), Is.True);
        // One token twice: without positions both rows attend to identical keys and values and agree (NoPE);
        // the position vectors are what tells them apart.
        var twice = full(1, 2, 77L, dtype: ScalarType.Int64);
        var rows = model.Logits(model.Hidden(twice, StrategyRegistry.Create("sinusoidal")));
        Assert.That(rows[0, 0].allclose(rows[0, 1], rtol: 1e-3, atol: 1e-3), Is.False);
        using var nope = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(PositionEncoding.NoPE, trainedLength: 16));
        var plain = nope.Logits(nope.Hidden(twice, StrategyRegistry.Create("nope")));
        Assert.That(plain[0, 0].allclose(plain[0, 1], rtol: 1e-4, atol: 1e-5), Is.True);
    }

    [TestCase(PositionEncoding.Learned)]
    [TestCase(PositionEncoding.Sinusoidal)]
    public void AbsoluteModel_SavedAndLoaded_GivesTheSameLogits(PositionEncoding encoding)
    {
        using var scope = NewDisposeScope();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(encoding, trainedLength: 16));
        string dir = TinyCheckpoint.Write(model, TinyCheckpoint.TempDirectory());
        using var loaded = TorchLanguageModel.Load(dir, ScalarType.Float32);
        Assert.That(loaded.Model.Shape.Encoding, Is.EqualTo(encoding));
        Assert.That(loaded.Model.state_dict().Keys.Contains("model.embed_positions.weight"), Is.EqualTo(encoding == PositionEncoding.Learned));
        using var noGrad = no_grad();
        manual_seed(4);
        var ids = randint(3, 4096, [1, 16], dtype: ScalarType.Int64);
        var native = model.Architecture.NativeStrategy();
        Assert.That(loaded.Model.Logits(loaded.Model.Hidden(ids, native)).allclose(model.Logits(model.Hidden(ids, native)), rtol: 1e-5, atol: 1e-6), Is.True);
        Assert.That(new Eval.Core.Models.ModelCost(model.Architecture.ToConfig("float32"), 4).TotalParameters, Is.EqualTo(loaded.Model.ParameterCount()));
    }

    [TestCase("alibi")]
    [TestCase("default")]
    [TestCase("sinks:start=4,window=8")]
    public void AbsoluteModel_RefusesStrategiesOfOtherEncodings(string strategy)
    {
        using var model = TinyCheckpoint.RandomModel(Learned());
        Assert.Throws<ArgumentException>(() => model.Hidden(zeros(1, 4, dtype: ScalarType.Int64), StrategyRegistry.Create(strategy)));
    }
}
