using System.Reflection;
using Eval.Core.Positional;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// The kernel of a forward pass, looked up rather than switched: a model-level encoding's own kernel when the strategy
/// asks for standard attention (the model is run as trained), else the kernel of the strategy's attention variant.
/// </summary>
public static class AttentionKernels
{
    private static readonly IReadOnlyList<(AttentionKernelAttribute Key, ConstructorInfo Create)> All =
        typeof(AttentionKernels).Assembly.GetTypes()
            .Where(t => typeof(IAttentionKernel).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => t.GetCustomAttributes<AttentionKernelAttribute>().Select(a => (a,
                t.GetConstructor([typeof(AttentionContext)]) ?? throw new InvalidOperationException($"{t.Name} needs a constructor taking an AttentionContext."))))
            .ToList();

    /// <summary>The variants and encodings that have a kernel (the tests check every AttentionVariant has one).</summary>
    public static IEnumerable<Type> Variants => All.Select(k => k.Key.Variant).OfType<Type>();

    public static IAttentionKernel Plan(AttentionContext context)
    {
        var variant = context.Strategy.Attention.GetType();
        var ofEncoding = variant == typeof(StandardAttention) ? All.FirstOrDefault(k => k.Key.Encoding == context.Shape.Encoding) : default;
        var entry = ofEncoding.Create is not null ? ofEncoding : All.FirstOrDefault(k => k.Key.Variant == variant);
        if (entry.Create is null) throw new NotSupportedException($"Attention variant {context.Strategy.Attention} has no kernel.");
        try { return (IAttentionKernel)entry.Create.Invoke([context]); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
