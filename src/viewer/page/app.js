// Lifeboat archive viewer (docs/viewer.md). A classic script with no dependencies, so it runs from file:// where
// module scripts and fetch() are blocked. Data arrive as <script> chunks calling LIFEBOAT.chunk(). Every string from
// an archive is put into the page as text (textContent / createTextNode), never as HTML.
/* global LIFEBOAT */
'use strict'
;(function () {
  var L = window.LIFEBOAT
  var meta = L.meta
  var PAGE = 50
  var ja = /^ja\b/i.test((navigator.languages && navigator.languages[0]) || navigator.language || '')
  var TEXT = {
    en: {
      title: 'Lifeboat archive', timeline: 'Timeline', search: 'Search', people: 'People', rooms: 'Rooms', lists: 'Lists',
      following: 'Following', followers: 'Followers', blocks: 'Blocks', mutes: 'Mutes', all: 'All posts', originals: 'Originals',
      replies: 'Replies', reposts: 'Reposts', withMedia: 'With media', allAccounts: 'All accounts', from: 'From', to: 'To',
      month: 'Month', newer: '‹ Newer', older: 'Older ›', loading: 'Loading…', posts: 'posts', results: 'results', noResults: 'Nothing found.',
      replyTo: 'In reply to', notInArchive: '(not in this archive)', repostOf: 'Reposted', quoteOf: 'Quoting', thread: 'Thread',
      showContent: 'Show', sensitive: 'Sensitive media — click to show', edited: 'Edited', votes: 'votes', close: 'Close', prev: 'Previous',
      next: 'Next', missingMedia: 'This file is not in the archive.', showing: 'Showing', of: 'of', messages: 'messages', members: 'members',
      keys: 'Keys: j/k move · o open · / search · [ ] page · Esc back', none: 'None.', notFound: 'This post is not in the archive.', go: 'Go',
      poll: 'Poll', open: 'open original', searchLabel: 'Search posts'
    },
    ja: {
      title: 'Lifeboat アーカイブ', timeline: 'タイムライン', search: '検索', people: 'ユーザー', rooms: 'ルーム', lists: 'リスト',
      following: 'フォロー', followers: 'フォロワー', blocks: 'ブロック', mutes: 'ミュート', all: 'すべての投稿', originals: 'オリジナル',
      replies: '返信', reposts: 'リポスト', withMedia: 'メディアあり', allAccounts: 'すべてのアカウント', from: '開始日', to: '終了日',
      month: '年月', newer: '‹ 新しい投稿', older: '古い投稿 ›', loading: '読み込み中…', posts: '件の投稿', results: '件', noResults: '見つかりませんでした。',
      replyTo: '返信先', notInArchive: '(このアーカイブにはありません)', repostOf: 'リポスト', quoteOf: '引用', thread: 'スレッド',
      showContent: '表示', sensitive: 'センシティブなメディア — クリックで表示', edited: '編集済み', votes: '票', close: '閉じる', prev: '前へ',
      next: '次へ', missingMedia: 'このファイルはアーカイブにありません。', showing: '表示中', of: '/', messages: '件のメッセージ', members: '人',
      keys: 'キー: j/k 移動 · o 開く · / 検索 · [ ] ページ · Esc 戻る', none: 'ありません。', notFound: 'この投稿はアーカイブにありません。', go: '移動',
      poll: '投票', open: '元の投稿を開く', searchLabel: '投稿を検索'
    }
  }
  var T = ja ? TEXT.ja : TEXT.en
  document.documentElement.lang = ja ? 'ja' : 'en'
  document.title = T.title

  var dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
  var monthFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', timeZone: 'UTC' })

  // ---- data loading -------------------------------------------------------------------------------------------
  var posts = []
  var events = []
  var chunks = { p: [], e: [] }
  var byId = null
  var children = null
  /** The search text of posts[i]: NFKC-normalised and lower-cased once, while the chunks load. */
  var norm = []
  var loaded = false
  var waiters = []
  L.chunk = function (kind, n, items) { chunks[kind][n] = items }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script')
      s.src = src
      s.onload = function () { s.remove(); resolve() }
      s.onerror = function () { reject(new Error('cannot load ' + src)) }
      document.head.appendChild(s)
    })
  }
  function chunkName(kind, n) { return 'viewer/data/' + (kind === 'p' ? 'posts' : 'events') + '-' + String(n).padStart(5, '0') + '.js' }

  async function loadAll() {
    for (var n = 0; n < meta.postChunks; n++) {
      await loadScript(chunkName('p', n))
      var items = chunks.p[n]
      chunks.p[n] = null
      for (var i = 0; i < items.length; i++) { posts.push(items[i]); norm.push(searchText(items[i])) }
      if (n === 0) { route(); window.__lifeboatFirstPaint = performance.now() }
    }
    for (var m = 0; m < meta.eventChunks; m++) {
      await loadScript(chunkName('e', m))
      var evs = chunks.e[m]
      chunks.e[m] = null
      for (var j = 0; j < evs.length; j++) events.push(evs[j])
    }
    loaded = true
    filtered = {}
    waiters.splice(0).forEach(function (f) { f() })
    // Routes other than the timeline waited for this moment (whenLoaded); the timeline, first drawn from chunk 0,
    // is drawn again with the full count.
    if (meta.postChunks === 0) route()
    else if (parseHash().path === '/') showTimeline(parseHash().params)
    document.documentElement.dataset.loaded = 'true'
  }
  function whenLoaded(f) { if (loaded) f(); else waiters.push(f) }
  function index() {
    if (byId) return
    byId = new Map()
    children = new Map()
    for (var i = 0; i < posts.length; i++) {
      var p = posts[i]
      byId.set(p.i, p)
      if (p.r) { var list = children.get(p.r); if (!list) children.set(p.r, (list = [])); list.push(p) }
    }
  }
  function searchText(p) {
    var s = p.x + '\n' + (p.w || '')
    if (p.m) for (var i = 0; i < p.m.length; i++) s += '\n' + p.m[i][1]
    if (p.e) s += '\n' + (p.e.t || '') + '\n' + (p.e.d || '')
    return NON_ASCII.test(s) ? s.normalize('NFKC').toLowerCase() : s.toLowerCase()
  }
  var NON_ASCII = /[^\x00-\x7f]/

  // ---- DOM helpers: data only ever becomes text nodes or whitelisted attributes ---------------------------------
  function h(tag, attrs) {
    var el = document.createElement(tag)
    if (attrs) for (var k in attrs) {
      var v = attrs[k]
      if (v === undefined || v === null || v === false) continue
      if (k === 'class') el.className = v
      else if (k === 'text') el.textContent = v
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v)
      else el.setAttribute(k, v === true ? '' : String(v))
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i]
      if (c === null || c === undefined || c === false) continue
      if (Array.isArray(c)) c.forEach(function (x) { if (x) el.appendChild(typeof x === 'string' ? document.createTextNode(x) : x) })
      else el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c)
    }
    return el
  }
  var URL_RE = /https?:\/\/[^\s<>"'）」』】]+/g
  function linkify(text) {
    var frag = document.createDocumentFragment()
    var last = 0
    text.replace(URL_RE, function (url, at) {
      var clean = url.replace(/[.,;:!?)]+$/, '')
      frag.appendChild(document.createTextNode(text.slice(last, at)))
      frag.appendChild(h('a', { href: clean, rel: 'noopener noreferrer nofollow', target: '_blank', text: clean }))
      last = at + clean.length
      return url
    })
    frag.appendChild(document.createTextNode(text.slice(last)))
    return frag
  }
  function hash(path, params) {
    var q = []
    for (var k in params || {}) if (params[k] !== undefined && params[k] !== '' && params[k] !== null) q.push(k + '=' + encodeURIComponent(params[k]))
    return '#' + path + (q.length ? '?' + q.join('&') : '')
  }
  function postLink(id) { return '#/post/' + encodeURIComponent(id) }
  function fmtDate(iso) { var d = new Date(iso); return isNaN(d) ? iso : dateFmt.format(d) }
  function accountLabel(a) {
    var acc = meta.accounts[a]
    if (!acc) return ''
    return (acc.name ? acc.name + ' ' : '') + (acc.handle ? '@' + acc.handle.replace(/^@/, '') : acc.id)
  }

  // ---- layout -------------------------------------------------------------------------------------------------
  var app = document.getElementById('app')
  var searchInput = h('input', { type: 'search', name: 'q', placeholder: T.search, 'aria-label': T.searchLabel, id: 'q' })
  var nav = h('nav', null)
  var header = h('header', { class: 'top' },
    h('h1', null, h('a', { href: '#/' }, T.title)),
    nav,
    h('form', { class: 'search', role: 'search', onsubmit: function (e) { e.preventDefault(); location.hash = hash('/search', { q: searchInput.value }) } },
      searchInput, h('button', { type: 'submit', text: T.search })))
  var main = h('main', { id: 'main' })
  app.appendChild(header)
  app.appendChild(main)
  function renderNav(current) {
    nav.textContent = ''
    var items = [['/', T.timeline]]
    var hasPeople = ['following', 'followers', 'blocks', 'mutes'].some(function (k) { return meta.people[k].length }) || meta.lists.length
    if (hasPeople) items.push(['/people/following', T.people])
    if (meta.rooms.length) items.push(['/rooms', T.rooms])
    items.forEach(function (it) { nav.appendChild(h('a', { href: '#' + it[0], 'aria-current': current === it[0] ? 'page' : null, text: it[1] })) })
  }

  // ---- posts --------------------------------------------------------------------------------------------------
  var lightboxItems = []
  function renderMedia(p) {
    if (!p.m) return null
    var box = h('div', { class: 'media' })
    p.m.forEach(function (m) {
      var url = m[0], alt = m[1], mime = m[2] || '', sensitive = m[3] & 1
      var fig
      if (!url) fig = h('figure', null, h('figcaption', { text: T.missingMedia + (alt ? ' — ' + alt : '') }))
      else if (/^video\//.test(mime)) fig = h('figure', null, h('video', { src: url, controls: true, preload: 'metadata', 'aria-label': alt || null }), alt ? h('figcaption', { text: alt }) : null)
      else if (/^audio\//.test(mime)) fig = h('figure', null, h('audio', { src: url, controls: true, preload: 'metadata', 'aria-label': alt || null }), alt ? h('figcaption', { text: alt }) : null)
      else {
        var item = { url: url, alt: alt }
        var at = lightboxItems.push(item) - 1
        var img = h('img', { src: url, alt: alt, title: alt || null, loading: 'lazy', decoding: 'async', onclick: function () { openLightbox(at) } })
        fig = h('figure', null, img, alt ? h('figcaption', { text: alt }) : null)
      }
      if (sensitive && url) {
        var cover = h('button', { class: 'sensitive-cover', type: 'button', text: T.sensitive })
        fig.classList.add('hidden')
        cover.addEventListener('click', function () { cover.remove(); fig.classList.remove('hidden') })
        box.appendChild(cover)
      }
      box.appendChild(fig)
    })
    return box
  }
  function renderBody(p) {
    var parts = []
    if (p.x) parts.push(h('div', { class: 'text' }, linkify(p.x)))
    parts.push(renderMedia(p))
    if (p.e) parts.push(h('a', { class: 'card', href: p.e.u, rel: 'noopener noreferrer nofollow', target: '_blank' },
      h('strong', { text: p.e.t || p.e.u }), p.e.d ? h('div', { class: 'meta-line', text: p.e.d }) : null))
    if (p.o) {
      var total = 0
      p.o.o.forEach(function (o) { total += o[1] || 0 })
      parts.push(h('div', { class: 'poll' }, h('strong', { text: T.poll }), h('ul', null, p.o.o.map(function (o) {
        return h('li', null, o[0] + (o[1] === null ? '' : ' — ' + o[1] + ' ' + T.votes + (total ? ' (' + Math.round((o[1] / total) * 100) + '%)' : '')))
      }))))
    }
    if (p.re) parts.push(h('div', { class: 'reactions' }, p.re.map(function (r) { return h('span', { text: r[0] + ' ' + r[1] }) })))
    if (p.ed) parts.push(h('details', { class: 'meta-line' }, h('summary', { text: T.edited + ' (' + p.ed.length + ')' }),
      p.ed.map(function (e) { return h('div', null, h('time', { datetime: e.d, text: fmtDate(e.d) }), h('div', { class: 'text', text: (e.w ? '[' + e.w + '] ' : '') + e.x })) })))
    if (!p.w) return parts
    return [h('details', { class: 'cw' }, h('summary', null, p.w + ' ', h('span', { class: 'badge', text: T.showContent })), parts)]
  }
  function embedded(label, id) {
    index()
    var target = byId.get(id)
    return h('div', { class: 'quote' },
      h('div', { class: 'meta-line' }, label + ' ', h('a', { href: postLink(id), text: target ? accountLabel(target.a) + ' · ' + fmtDate(target.d) : id }), target ? null : ' ' + T.notInArchive),
      target ? renderBody(target) : null)
  }
  function renderPost(p, current) {
    var acc = meta.accounts[p.a] || {}
    var head = h('div', { class: 'post-head' },
      h('span', { class: 'badge', text: acc.network }),
      h('span', { class: 'who', text: accountLabel(p.a) }),
      h('a', { href: postLink(p.i) }, h('time', { datetime: p.d, text: fmtDate(p.d) })),
      p.v ? h('span', { class: 'badge', text: p.v }) : null,
      p.u ? h('a', { href: p.u, rel: 'noopener noreferrer nofollow', target: '_blank', text: T.open }) : null)
    var el = h('article', { class: 'post' + (current ? ' current' : ''), tabindex: '-1', 'data-id': p.i }, head)
    if (p.r) {
      index()
      el.appendChild(h('div', { class: 'meta-line' }, T.replyTo + ' ', byId.has(p.r) ? h('a', { href: postLink(p.r), text: accountLabel(byId.get(p.r).a) }) : h('span', { text: T.notInArchive })))
    }
    if (p.p && !p.x) el.appendChild(embedded(T.repostOf, p.p))
    else renderBody(p).forEach(function (x) { if (x) el.appendChild(x) })
    if (p.q) el.appendChild(embedded(T.quoteOf, p.q))
    if (p.p && p.x) el.appendChild(embedded(T.repostOf, p.p))
    return el
  }

  // ---- timeline -----------------------------------------------------------------------------------------------
  var filtered = {}
  function filterList(params) {
    var key = [params.f || '', params.acct || '', params.from || '', params.to || ''].join('|')
    if (filtered[key]) return filtered[key]
    var f = params.f, acct = params.acct === undefined || params.acct === '' ? -1 : Number(params.acct)
    var from = params.from || '', to = params.to ? params.to + '\uffff' : ''
    var out = posts.filter(function (p) {
      if (acct >= 0 && p.a !== acct) return false
      if (from && p.d < from) return false
      if (to && p.d > to) return false
      if (f === 'orig') return !p.r && !(p.p && !p.x)
      if (f === 'replies') return !!p.r
      if (f === 'reposts') return !!p.p
      if (f === 'media') return !!p.m
      return true
    })
    if (loaded) filtered[key] = out
    return out
  }
  function filterBar(path, params) {
    function go(change) {
      var next = {}
      for (var k in params) next[k] = params[k]
      for (var c in change) next[c] = change[c]
      delete next.s
      location.hash = hash(path.indexOf('/date/') === 0 ? '/' : path, next)
    }
    var kinds = [['', T.all], ['orig', T.originals], ['replies', T.replies], ['reposts', T.reposts], ['media', T.withMedia]]
    var kind = h('select', { 'aria-label': T.all, id: 'filter-kind', onchange: function () { go({ f: kind.value }) } },
      kinds.map(function (k) { return h('option', { value: k[0], selected: (params.f || '') === k[0], text: k[1] }) }))
    var bar = h('div', { class: 'filters' }, kind)
    if (meta.accounts.length > 1) {
      var acct = h('select', { 'aria-label': T.allAccounts, id: 'filter-account', onchange: function () { go({ acct: acct.value }) } },
        h('option', { value: '', text: T.allAccounts }),
        meta.accounts.map(function (a, i) { return h('option', { value: String(i), selected: params.acct === String(i), text: a.network + ' · ' + accountLabel(i) }) }))
      bar.appendChild(acct)
    }
    var month = h('select', { 'aria-label': T.month, id: 'jump-month', onchange: function () { if (month.value) location.hash = hash('/date/' + month.value, { f: params.f, acct: params.acct }) } },
      h('option', { value: '', text: T.month }),
      meta.months.map(function (m) { return h('option', { value: m[0], text: monthFmt.format(new Date(m[0] + '-01T00:00:00Z')) + ' (' + m[1] + ')' }) }))
    bar.appendChild(month)
    var from = h('input', { type: 'date', 'aria-label': T.from, value: params.from || null, onchange: function () { go({ from: from.value }) } })
    var to = h('input', { type: 'date', 'aria-label': T.to, value: params.to || null, onchange: function () { go({ to: to.value }) } })
    bar.appendChild(h('label', null, T.from + ' ', from))
    bar.appendChild(h('label', null, T.to + ' ', to))
    return bar
  }
  function pager(path, params, start, total) {
    function link(s, label, rel) {
      var next = {}
      for (var k in params) next[k] = params[k]
      next.s = s ? String(s) : ''
      return h('a', { href: hash(path, next), rel: rel, 'data-rel': rel, text: label })
    }
    return h('div', { class: 'pager' },
      start > 0 ? link(Math.max(0, start - PAGE), T.newer, 'prev') : h('span'),
      h('span', { class: 'status', text: total ? T.showing + ' ' + (start + 1) + '–' + Math.min(total, start + PAGE) + ' ' + T.of + ' ' + total.toLocaleString() : '' }),
      start + PAGE < total ? link(start + PAGE, T.older, 'next') : h('span'))
  }
  function renderList(list, path, params, start, withFilters) {
    main.textContent = ''
    lightboxItems = []
    if (withFilters) main.appendChild(filterBar(path, params))
    if (!loaded) main.appendChild(h('div', { class: 'status', id: 'loading', text: T.loading }))
    if (list.length === 0) main.appendChild(h('p', { class: 'status', text: loaded ? T.noResults : T.loading }))
    main.appendChild(pager(path, params, start, list.length))
    var feed = h('div', { class: 'feed', id: 'feed' })
    list.slice(start, start + PAGE).forEach(function (p) { feed.appendChild(renderPost(p)) })
    main.appendChild(feed)
    main.appendChild(pager(path, params, start, list.length))
    main.appendChild(h('p', { class: 'status', text: T.keys }))
  }
  function showTimeline(params) {
    var list = filterList(params)
    renderList(list, '/', params, Number(params.s) || 0, true)
  }
  function showDate(month, params) {
    whenLoaded(function () {
      var list = filterList(params)
      var end = month + '\uffff'
      var start = 0
      while (start < list.length && list[start].d > end) start++
      renderList(list, '/date/' + month, params, Math.max(0, start - 0), true)
      var jump = document.getElementById('jump-month')
      if (jump) jump.value = month
    })
  }

  // ---- thread -------------------------------------------------------------------------------------------------
  function showPost(id) {
    whenLoaded(function () {
      index()
      main.textContent = ''
      lightboxItems = []
      var p = byId.get(id)
      if (!p) { main.appendChild(h('p', { class: 'status', text: T.notFound })); return }
      var chain = []
      var up = p.r ? byId.get(p.r) : null
      var guard = 0
      while (up && guard++ < 1000) { chain.unshift(up); up = up.r ? byId.get(up.r) : null }
      main.appendChild(h('h2', { text: T.thread }))
      chain.forEach(function (q) { main.appendChild(renderPost(q)) })
      var current = renderPost(p, true)
      main.appendChild(current)
      var seen = new Set([p.i])
      function below(parent, into, depth) {
        var kids = (children.get(parent.i) || []).slice().sort(function (a, b) { return a.d < b.d ? -1 : 1 })
        kids.forEach(function (k) {
          if (seen.has(k.i) || depth > 50) return
          seen.add(k.i)
          var box = h('div', { class: 'thread-children' }, renderPost(k))
          into.appendChild(box)
          below(k, box, depth + 1)
        })
      }
      below(p, main, 0)
      current.focus()
    })
  }

  // ---- search -------------------------------------------------------------------------------------------------
  function search(query) {
    var terms = query.normalize('NFKC').toLowerCase().split(/\s+/).filter(Boolean)
    var out = []
    if (!terms.length) return out
    for (var j = 0; j < norm.length; j++) {
      var s = norm[j], ok = true
      for (var t = 0; t < terms.length; t++) if (s.indexOf(terms[t]) < 0) { ok = false; break }
      if (ok) out.push(posts[j])
    }
    return out
  }
  function showSearch(params) {
    searchInput.value = params.q || ''
    whenLoaded(function () {
      var t0 = performance.now()
      var list = search(params.q || '')
      var ms = performance.now() - t0
      window.__lifeboatSearchMs = ms
      renderList(list, '/search', params, Number(params.s) || 0, false)
      main.insertBefore(h('p', { class: 'status', id: 'search-status', text: list.length.toLocaleString() + ' ' + T.results + ' (' + Math.round(ms) + ' ms)' }), main.firstChild)
    })
  }

  // ---- people, lists, rooms -----------------------------------------------------------------------------------
  function person(x) {
    var label = (x.n ? x.n + ' ' : '') + (x.h ? '@' + x.h.replace(/^@/, '') : x.id)
    return h('li', null, x.u ? h('a', { href: x.u, rel: 'noopener noreferrer nofollow', target: '_blank', text: label }) : h('span', { text: label }),
      meta.accounts.length > 1 ? h('span', { class: 'meta-line', text: ' · ' + accountLabel(x.o) }) : null,
      x.d ? h('span', { class: 'meta-line', text: ' · ' + fmtDate(x.d) }) : null)
  }
  function showPeople(kind, params) {
    main.textContent = ''
    var tabs = h('nav', { class: 'filters' }, ['following', 'followers', 'blocks', 'mutes', 'lists'].map(function (k) {
      var n = k === 'lists' ? meta.lists.length : meta.people[k].length
      return h('a', { href: '#/people/' + k, 'aria-current': k === kind ? 'page' : null, text: T[k] + ' (' + n + ')' })
    }))
    main.appendChild(tabs)
    if (kind === 'lists') {
      if (!meta.lists.length) main.appendChild(h('p', { class: 'status', text: T.none }))
      meta.lists.forEach(function (l) {
        main.appendChild(h('section', null, h('h3', { text: l.name + ' (' + l.members.length + ' ' + T.members + ')' }), l.desc ? h('p', { text: l.desc }) : null,
          h('ul', { class: 'people' }, l.members.map(person))))
      })
      return
    }
    var list = meta.people[kind] || []
    var start = Number(params.s) || 0
    if (!list.length) main.appendChild(h('p', { class: 'status', text: T.none }))
    var ul = h('ul', { class: 'people', id: 'people' }, list.slice(start, start + 200).map(person))
    main.appendChild(ul)
    if (start + 200 < list.length) main.appendChild(h('a', { href: hash('/people/' + kind, { s: String(start + 200) }), text: T.older }))
  }
  function showRooms() {
    main.textContent = ''
    main.appendChild(h('h2', { text: T.rooms }))
    main.appendChild(h('ul', { class: 'people', id: 'rooms' }, meta.rooms.map(function (r, i) {
      return h('li', null, h('a', { href: '#/room/' + i, text: r.name }), ' ', h('span', { class: 'meta-line', text: r.n + ' ' + T.messages + (r.topic ? ' · ' + r.topic : '') }))
    })))
  }
  function showRoom(i, params) {
    whenLoaded(function () {
      main.textContent = ''
      var room = meta.rooms[i]
      if (!room) { main.appendChild(h('p', { class: 'status', text: T.none })); return }
      main.appendChild(h('h2', { text: room.name }))
      if (room.topic) main.appendChild(h('p', { class: 'meta-line', text: room.topic }))
      var list = events.filter(function (e) { return e.r === i })
      var start = Number(params.s) || 0
      var feed = h('div', { class: 'feed', id: 'feed' })
      list.slice(start, start + PAGE).forEach(function (e) {
        var media = null
        if (e.m) media = /^image\//.test(e.m[1]) ? h('div', { class: 'media' }, h('img', { src: e.m[0], alt: e.x, loading: 'lazy' })) : h('div', { class: 'media' }, h(/^audio\//.test(e.m[1]) ? 'audio' : 'video', { src: e.m[0], controls: true }))
        feed.appendChild(h('article', { class: 'post', tabindex: '-1' },
          h('div', { class: 'post-head' }, h('span', { class: 'who', text: e.s }), h('time', { datetime: e.d, text: fmtDate(e.d) })),
          h('div', { class: 'text' }, linkify(e.x)), media))
      })
      main.appendChild(feed)
      main.appendChild(pager('/room/' + i, params, start, list.length))
    })
  }

  // ---- lightbox -----------------------------------------------------------------------------------------------
  var box = null, boxAt = 0
  function openLightbox(at) {
    closeLightbox()
    boxAt = at
    var img = h('img', { id: 'lightbox-image' })
    var caption = h('p', { id: 'lightbox-caption' })
    var counter = h('span', { id: 'lightbox-counter' })
    box = h('div', { class: 'lightbox', role: 'dialog', 'aria-modal': 'true', id: 'lightbox' }, img, caption,
      h('div', { class: 'controls' },
        h('button', { type: 'button', id: 'lightbox-prev', onclick: function () { step(-1) }, text: T.prev }), counter,
        h('button', { type: 'button', id: 'lightbox-next', onclick: function () { step(1) }, text: T.next }),
        h('button', { type: 'button', id: 'lightbox-close', onclick: closeLightbox, text: T.close })))
    function show() {
      var item = lightboxItems[boxAt]
      img.src = item.url
      img.alt = item.alt
      caption.textContent = item.alt
      counter.textContent = (boxAt + 1) + ' / ' + lightboxItems.length
    }
    function step(d) { boxAt = (boxAt + d + lightboxItems.length) % lightboxItems.length; show() }
    box.step = step
    show()
    document.body.appendChild(box)
    box.querySelector('#lightbox-next').focus()
  }
  function closeLightbox() { if (box) { box.remove(); box = null } }

  // ---- routing and keys ---------------------------------------------------------------------------------------
  function parseHash() {
    var raw = location.hash.replace(/^#/, '') || '/'
    var q = raw.indexOf('?')
    var path = q < 0 ? raw : raw.slice(0, q)
    var params = {}
    if (q >= 0) raw.slice(q + 1).split('&').forEach(function (kv) {
      if (!kv) return
      var eq = kv.indexOf('=')
      try { params[decodeURIComponent(eq < 0 ? kv : kv.slice(0, eq))] = eq < 0 ? '' : decodeURIComponent(kv.slice(eq + 1).replace(/\+/g, ' ')) } catch (e) { /* a mangled parameter is ignored */ }
    })
    return { path: path, params: params }
  }
  function route() {
    closeLightbox()
    var r = parseHash()
    var path = r.path, m
    renderNav(path.indexOf('/people') === 0 ? '/people/following' : path.indexOf('/room') === 0 ? '/rooms' : path === '/' ? '/' : '')
    if ((m = /^\/post\/(.+)$/.exec(path))) { var id; try { id = decodeURIComponent(m[1]) } catch (e) { id = m[1] } showPost(id) }
    else if ((m = /^\/date\/(\d{4}(?:-\d{2})?)$/.exec(path))) showDate(m[1], r.params)
    else if (path === '/search') showSearch(r.params)
    else if ((m = /^\/people\/(following|followers|blocks|mutes|lists)$/.exec(path))) showPeople(m[1], r.params)
    else if (path === '/rooms') showRooms()
    else if ((m = /^\/room\/(\d+)$/.exec(path))) showRoom(Number(m[1]), r.params)
    else showTimeline(r.params)
    window.scrollTo(0, 0)
  }
  window.addEventListener('hashchange', route)
  document.addEventListener('keydown', function (e) {
    if (box) {
      if (e.key === 'Escape') closeLightbox()
      else if (e.key === 'ArrowRight') box.step(1)
      else if (e.key === 'ArrowLeft') box.step(-1)
      return
    }
    var tag = (e.target && e.target.tagName) || ''
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || e.metaKey || e.ctrlKey || e.altKey) return
    var items = Array.prototype.slice.call(document.querySelectorAll('main article.post'))
    var at = items.indexOf(document.activeElement)
    if (e.key === 'j' || e.key === 'k') {
      var next = items[e.key === 'j' ? at + 1 : Math.max(0, at - 1)]
      if (next) { next.focus(); next.scrollIntoView({ block: 'nearest' }) }
    } else if ((e.key === 'o' || e.key === 'Enter') && at >= 0 && items[at].dataset.id) location.hash = postLink(items[at].dataset.id)
    else if (e.key === '/') { e.preventDefault(); searchInput.focus() }
    else if (e.key === ']' || e.key === '[') {
      var link = document.querySelector('.pager a[data-rel="' + (e.key === ']' ? 'next' : 'prev') + '"]')
      if (link) location.hash = link.getAttribute('href')
    } else if (e.key === 'Escape') history.back()
  })
  renderNav('/')
  loadAll().catch(function (error) { main.appendChild(h('p', { class: 'status', text: String(error && error.message) })) })
})()
