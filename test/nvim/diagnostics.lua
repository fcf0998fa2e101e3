-- Headless Neovim as a plain LSP client of the bundled Green ML server.
-- Environment: GREENML_SERVER (path to dist/server.js), GREENML_FILE (Python file to open),
-- GREENML_OUT (JSON file to write), GREENML_TIMEOUT_MS. Works with Neovim 0.7 (Debian bookworm) and later.
local server = os.getenv('GREENML_SERVER')
local file = os.getenv('GREENML_FILE')
local out = os.getenv('GREENML_OUT')
local timeout = tonumber(os.getenv('GREENML_TIMEOUT_MS') or '30000')
local node = os.getenv('GREENML_NODE') or 'node'

local function write(result)
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local config = {
    name = 'greenml',
    cmd = { node, server, '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':p:h'),
  }
  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config)
  else
    client_id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(bufnr, client_id)
  end
  assert(client_id, 'could not start the language server')

  local got = vim.wait(timeout, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 100)

  local diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(diagnostics, {
      lnum = d.lnum,
      col = d.col,
      message = d.message,
      source = d.source or lsp.source,
      code = d.code or lsp.code,
      severity = d.severity,
    })
  end
  local client = vim.lsp.get_client_by_id(client_id)
  write({
    ok = got,
    nvim = vim.fn.has('nvim-0.8') == 1 and '>=0.8' or '0.7',
    server_name = client and client.server_info and client.server_info.name or vim.NIL,
    diagnostics = diagnostics,
  })
  if client then client.stop() end
end)
if not ok then
  write({ ok = false, error = tostring(err), diagnostics = {} })
end
vim.cmd('qall!')
