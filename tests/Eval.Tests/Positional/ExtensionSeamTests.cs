using System.Text.RegularExpressions;
using Eval.Core.Positional;
using Eval.Core.Runtime;

namespace Eval.Tests.Positional;

/// <summary>
/// Issue #33's extension counts, checked on the source tree: an attention variant is one folder, src/AttentionVariants/,
/// with two files (its strategy declaring the variant record, and NameKernel.cs marked for it); a strategy is its file
/// alone (the registry finds descriptors, nothing lists them).
/// </summary>
public class ExtensionSeamTests
{
    static readonly string Folder = RepositoryPaths.Require(Path.Combine("src", "AttentionVariants"));

    static IEnumerable<Type> Variants() =>
        typeof(AttentionVariant).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(AttentionVariant)) && t != typeof(StandardAttention));

    [Test]
    public void EveryAttentionVariant_IsItsStrategyAndItsKernel_InOneFolder()
    {
        var files = Directory.GetFiles(Folder, "*.cs").ToDictionary(path => Path.GetFileNameWithoutExtension(path)!, File.ReadAllText);
        Assert.That(Variants().Count(), Is.GreaterThanOrEqualTo(4));
        foreach (var variant in Variants())
        {
            var declaring = files.Where(f => Regex.IsMatch(f.Value, $@"\brecord {variant.Name}\b")).Select(f => f.Key).ToList();
            Assert.That(declaring, Has.Count.EqualTo(1), $"{variant.Name} is declared in one strategy file of {Folder}");
            string stem = declaring[0];
            Assert.That(files.GetValueOrDefault(stem + "Kernel", "(no such file)"), Does.Contain($"[AttentionKernel(typeof({variant.Name}))]"),
                $"{stem}Kernel.cs, beside {stem}.cs, is {variant.Name}'s kernel");
            Assert.That(variant.Assembly.GetTypes().Any(t => t.Name == stem && typeof(IPositionalStrategy).IsAssignableFrom(t)),
                $"{stem}.cs holds the strategy {stem} that asks for {variant.Name}");
        }
        Assert.That(files.Keys.Where(k => !k.EndsWith("Kernel")).Count(), Is.EqualTo(files.Keys.Count(k => k.EndsWith("Kernel"))),
            "every file is a strategy with its kernel: nothing else lives in the folder");
    }

    [Test]
    public void Registry_FindsEveryDescriptorDeclared()
    {
        // Written out rather than found by the registry's own reflection, so a strategy the search missed fails here.
        Assert.That(StrategyRegistry.Names, Is.EqualTo(new[]
        {
            "alibi", "base", "default", "dynamic", "dynamic-yarn", "hierarchical", "hwfa", "kerple", "leaky-rerope", "learned", "linear",
            "llama3", "longrope", "nope", "ntk", "rerope", "self-extend", "sinks", "sinusoidal", "xpos", "yarn",
        }));
        Assert.That(StrategyRegistry.Names, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), "listed by name, whatever file a strategy sits in");
    }
}
