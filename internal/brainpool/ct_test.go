package brainpool

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestConstantTimeStructure is a review by construction, not a timing
// test: it parses the code that handles secrets (field arithmetic, point
// formulas, table lookups, scalar recoding and multiplication) and fails
// on any branch (if, switch, select, && or ||) and any slice or array
// index that is not a constant, a loop counter or a length-derived bound,
// except for the few listed below whose condition or index is public (the
// Fermat exponent, the table-building loop, buffer sizes, rejection of
// degenerate ECDSA values). Loop bounds must be public in the same sense.
// The generated copies (point_p384.go, point_p512.go) are the same code
// renamed; TestGeneratedCopies checks that.
func TestConstantTimeStructure(t *testing.T) {
	secretFuncs := map[string]map[string]bool{
		// function → allowed free identifiers in conditions and indices
		"Mul": nil, "Add": nil, "Sub": nil, "Square": nil, "Neg": nil,
		"Select": nil, "IsZero": nil, "Equal": nil, "SetReducedBytes": nil,
		"PutBytes": nil, "limbs": nil, "fromLimbs": nil,
		"Invert":         {"nib": true}, // the public exponent's digit
		"isZero64":       nil,
		"eq64":           nil,
		"recode4":        {"n": true, "mags": true, "negs": true, "k": true},
		"add":            nil,
		"addAffine":      nil,
		"p256AddTail":    nil,
		"double":         nil,
		"selectPoint":    nil,
		"condNeg":        nil,
		"affine":         nil,
		"p256OnCurve":    nil,
		"lookup":         nil,
		"init":           nil, // table of multiples: i%2 is public
		"scalarMult":     {"top": true, "mags": true, "negs": true},
		"scalarBaseMult": {"mags": true},
		"setAffine":      nil,
		"setInfinity":    nil,
	}
	allowedCond := map[string]bool{
		"nib != 0":                             true, // Invert: the public exponent's digit
		"i%2 == 0":                             true, // table.init: the public loop counter
		"len(mags) != n+1 || len(negs) != n+1": true, // recode4: buffer sizes
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, file := range []string{"field.go", "field_p256.go", "field_p384.go", "field_p512.go", "point_p256.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			allowed, secret := secretFuncs[fn.Name.Name]
			if !secret || isOps(fn) {
				continue
			}
			seen[fn.Name.Name] = true
			checkCT(t, fset, fn, allowed, allowedCond)
		}
	}
	for name := range secretFuncs {
		if !seen[name] {
			t.Errorf("function %s not found", name)
		}
	}
}

func checkCT(t *testing.T, fset *token.FileSet, fn *ast.FuncDecl, allowed map[string]bool, allowedCond map[string]bool) {
	t.Helper()
	expr := func(e ast.Expr) string { return exprString(e) }
	loopVars := map[string]bool{}
	// Collect loop counters first.
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.ForStmt:
			if as, ok := s.Init.(*ast.AssignStmt); ok {
				for _, l := range as.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						loopVars[id.Name] = true
					}
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{s.Key, s.Value} {
				if id, ok := e.(*ast.Ident); ok {
					loopVars[id.Name] = true
				}
			}
		}
		return true
	})
	// public reports whether e uses only constants, loop counters,
	// len(), allowed identifiers and arithmetic on them.
	var public func(e ast.Expr) bool
	public = func(e ast.Expr) bool {
		switch v := e.(type) {
		case *ast.BasicLit:
			return true
		case *ast.Ident:
			return loopVars[v.Name] || allowed[v.Name] || strings.HasSuffix(v.Name, "Bytes") // sizes
		case *ast.BinaryExpr:
			return public(v.X) && public(v.Y)
		case *ast.ParenExpr:
			return public(v.X)
		case *ast.CallExpr:
			if id, ok := v.Fun.(*ast.Ident); ok && id.Name == "len" {
				return true
			}
		}
		return false
	}
	pos := func(n ast.Node) string { return fset.Position(n.Pos()).String() }
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.IfStmt:
			if !allowedCond[expr(s.Cond)] {
				t.Errorf("%s: %s: branch on %q", pos(s), fn.Name.Name, expr(s.Cond))
			}
			return true
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			t.Errorf("%s: %s: switch", pos(s), fn.Name.Name)
		case *ast.BinaryExpr:
			if (s.Op == token.LAND || s.Op == token.LOR) && !allowedCond[expr(s)] {
				// Only allowed as a whole allowed condition, checked above.
				inAllowed := false
				ast.Inspect(fn.Body, func(m ast.Node) bool {
					if is, ok := m.(*ast.IfStmt); ok && allowedCond[expr(is.Cond)] {
						ast.Inspect(is.Cond, func(k ast.Node) bool {
							if k == s {
								inAllowed = true
							}
							return true
						})
					}
					return true
				})
				if !inAllowed {
					t.Errorf("%s: %s: short-circuit %q", pos(s), fn.Name.Name, expr(s))
				}
			}
		case *ast.ForStmt:
			if s.Cond != nil && !public(s.Cond.(*ast.BinaryExpr).Y) {
				t.Errorf("%s: %s: loop bound %q", pos(s), fn.Name.Name, expr(s.Cond))
			}
		case *ast.IndexExpr:
			if !public(s.Index) {
				t.Errorf("%s: %s: index %q", pos(s), fn.Name.Name, expr(s.Index))
			}
		case *ast.SliceExpr:
			for _, e := range []ast.Expr{s.Low, s.High} {
				if e != nil && !public(e) {
					t.Errorf("%s: %s: slice bound %q", pos(s), fn.Name.Name, expr(e))
				}
			}
		}
		return true
	})
}

// exprString prints an expression compactly, for matching conditions.
func exprString(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.BasicLit:
		return v.Value
	case *ast.BinaryExpr:
		op := " " + v.Op.String() + " "
		if v.Op == token.REM || v.Op == token.ADD && isSimple(v) {
			op = v.Op.String()
		}
		return exprString(v.X) + op + exprString(v.Y)
	case *ast.CallExpr:
		var args []string
		for _, a := range v.Args {
			args = append(args, exprString(a))
		}
		return exprString(v.Fun) + "(" + strings.Join(args, ", ") + ")"
	case *ast.ParenExpr:
		return "(" + exprString(v.X) + ")"
	case *ast.SelectorExpr:
		return exprString(v.X) + "." + v.Sel.Name
	case *ast.IndexExpr:
		return exprString(v.X) + "[" + exprString(v.Index) + "]"
	case *ast.UnaryExpr:
		return v.Op.String() + exprString(v.X)
	}
	return "?"
}

func isSimple(v *ast.BinaryExpr) bool {
	_, x := v.X.(*ast.Ident)
	_, y := v.Y.(*ast.BasicLit)
	return x && y
}

// TestGeneratedCopies checks that point_p384.go and point_p512.go are
// point_p256.go renamed, as gen_field.go writes them (so the review of
// point_p256.go covers them).
func TestGeneratedCopies(t *testing.T) {
	master := readFile(t, "point_p256.go")
	for _, c := range []string{"384", "512"} {
		got := readFile(t, "point_p"+c+".go")
		want := strings.NewReplacer("p256", "p"+c, "P256", "P"+c).Replace(master)
		got = got[strings.Index(got, "package brainpool"):]
		if got != want[strings.Index(want, "package brainpool"):] {
			t.Errorf("point_p%s.go is not point_p256.go renamed: run go generate", c)
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// isOps reports whether fn is a method of a pXXXOps type: the byte-level
// wrappers, which branch on public decoding failures only.
func isOps(fn *ast.FuncDecl) bool {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return false
	}
	id, ok := fn.Recv.List[0].Type.(*ast.Ident)
	return ok && strings.HasSuffix(id.Name, "Ops")
}
